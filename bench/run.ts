/**
 * Benchmark runner: `npm run bench -- <name> [options]`, or `npm run bench` for
 * the list. Each benchmark prints its figures and writes them, with the
 * machine and conditions, to bench/results/<name>.json (the README's figures
 * come from these files).
 */
import { BENCHMARKS } from './suites.js';

async function main(): Promise<void> {
  const [name, ...args] = process.argv.slice(2);
  const bench = BENCHMARKS.find((b) => b.name === name);
  if (!bench) {
    console.log('usage: npm run bench -- <name> [options]\n');
    for (const b of BENCHMARKS) console.log(`  ${b.name.padEnd(10)} ${b.description}`);
    process.exitCode = name ? 2 : 0;
    return;
  }
  await bench.run(args);
}

await main();
