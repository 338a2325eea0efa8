/**
 * `npx tsx bench/pricing-ab.ts <other-checkout> [--seconds N] [--normalize | --price]`:
 * CPU per event of normalize + price (or one of them), this checkout against another one (e.g. a
 * worktree of main), in ONE process and alternating rounds, on the same
 * demo events — so the ratio is fair on a noisy machine. Prints the medians
 * and their ratio; writes nothing.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

interface Side {
  readonly label: string;
  readonly run: () => number;
}

type Mod = Record<string, unknown>;

async function load(root: string): Promise<{ normalizeUsage: (e: unknown) => { ok: boolean; usage?: unknown }; pricer: { price(i: unknown): { total: bigint } }; events: unknown[] }> {
  const url = (p: string): string => pathToFileURL(resolve(root, p)).href;
  const norm = (await import(url('src/normalize/index.ts'))) as Mod;
  const pricing = (await import(url('src/pricing/index.ts'))) as Mod;
  const demo = (await import(url('src/demo/traffic.ts'))) as Mod;
  const parse = (await import(url('src/events/parse.ts'))) as Mod;
  const loadCatalog = pricing.loadCatalog as () => unknown;
  const createPricer = pricing.createPricer as (c: unknown) => { price(i: unknown): { total: bigint } };
  const gen = (demo.demoEvents as (o: { seed: number }) => Iterator<unknown>)({ seed: 1 });
  const events: unknown[] = [];
  for (let i = 0; i < 20_000; i++) {
    const p = (parse.parseEvent as (t: string) => { ok: boolean; event?: unknown })(JSON.stringify(gen.next().value));
    if (p.ok) events.push(p.event);
  }
  return { normalizeUsage: norm.normalizeUsage as (e: unknown) => { ok: boolean; usage?: unknown }, pricer: createPricer(loadCatalog()), events };
}

async function main(): Promise<void> {
  const other = process.argv[2];
  if (!other) throw new Error('usage: bench/pricing-ab.ts <other-checkout>');
  const seconds = Number(process.argv[process.argv.indexOf('--seconds') + 1] ?? '') || 20;
  const mode = process.argv.includes('--normalize') ? 'normalize' : process.argv.includes('--price') ? 'price' : 'both';
  const now = new Date();
  let sink = 0n;
  const side = async (label: string, root: string): Promise<Side> => {
    const m = await load(root);
    const evs = m.events as { provider?: string; model: string }[];
    const usages = evs.map((e) => m.normalizeUsage(e).usage);
    return {
      label,
      run: () => {
        const c0 = process.cpuUsage();
        if (mode === 'normalize') for (const e of evs) sink += m.normalizeUsage(e).ok ? 1n : 0n;
        else if (mode === 'price') evs.forEach((e, i) => { if (usages[i]) sink += m.pricer.price({ provider: e.provider, model: e.model, occurredAt: now, usage: usages[i] }).total; });
        else {
          for (const e of evs) {
            const n = m.normalizeUsage(e);
            if (n.ok) sink += m.pricer.price({ provider: e.provider, model: e.model, occurredAt: now, usage: n.usage }).total;
          }
        }
        const c = process.cpuUsage(c0);
        return ((c.user + c.system) * 1000) / m.events.length;
      },
    };
  };
  const a = await side('this checkout', resolve('.'));
  const b = await side(other, resolve(other));
  const xs: number[] = [];
  const ys: number[] = [];
  a.run();
  b.run();
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    xs.push(a.run());
    ys.push(b.run());
  }
  const median = (v: number[]): number => [...v].sort((p, q) => p - q)[Math.floor(v.length / 2)] ?? 0;
  const ma = median(xs);
  const mb = median(ys);
  console.log(`${mode === 'both' ? 'normalize + price' : mode}, ns CPU per event (median of ${xs.length} alternating rounds):`);
  console.log(`  ${a.label.padEnd(30)} ${ma.toFixed(0).padStart(6)}`);
  console.log(`  ${b.label.padEnd(30)} ${mb.toFixed(0).padStart(6)}`);
  console.log(`  ratio ${(ma / mb).toFixed(3)}  (load average ${(await import('node:os')).loadavg().map((l) => l.toFixed(1)).join(' ')})`);
  if (sink < 0n) console.log('impossible');
}

await main();
