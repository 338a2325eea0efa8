#!/usr/bin/env node
// `npm run build`, also run by `prepare` (so `npm ci` on a checkout builds,
// and `npm pack` / `npm publish` ship dist/): compiles src/ into dist/ with
// tsc (tsconfig.build.json), copies the assets (scripts/copy-assets.mjs), and
// writes dist/build.json last. bin/tally.js runs dist/ only while no file
// under src/ is newer than the build's start recorded there; otherwise it
// runs the sources through tsx, so an edited checkout never runs stale code.
//
//   node scripts/build.mjs                 build (fails on a type error)
//   node scripts/build.mjs --if-possible   the same, but skip quietly when the
//                                          sources or TypeScript are not there
//                                          (`npm ci --omit=dev`, Docker)
// Progress goes to stderr, so `npm pack --json` (which runs `prepare`) prints clean JSON.
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const ifPossible = process.argv.includes('--if-possible');

function skip(why) {
  console.error(`build: skipped (${why}); bin/tally.js runs the sources through tsx`);
  process.exit(0);
}

let tsc;
try {
  tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
} catch {
  if (ifPossible) skip('TypeScript is not installed');
  console.error('build: TypeScript is not installed; run npm ci');
  process.exit(1);
}
if (!existsSync(join(root, 'src')) || !existsSync(join(root, 'tsconfig.build.json'))) {
  if (ifPossible) skip('no src/ or tsconfig.build.json');
  console.error('build: no src/ or tsconfig.build.json');
  process.exit(1);
}

const startedAtMs = Date.now();
// A clean dist/: no output of a deleted source survives, and no stamp while building.
rmSync(dist, { recursive: true, force: true });
for (const [what, args] of [['tsc', [tsc, '-p', 'tsconfig.build.json']], ['copy-assets', [join(root, 'scripts', 'copy-assets.mjs')]]]) {
  const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`build: ${what} failed`);
    rmSync(join(dist, 'build.json'), { force: true });
    process.exit(r.status ?? 1);
  }
}
writeFileSync(join(dist, 'build.json'), JSON.stringify({ startedAt: new Date(startedAtMs).toISOString(), startedAtMs }, null, 2) + '\n');
console.error(`build: dist/ built in ${((Date.now() - startedAtMs) / 1000).toFixed(1)}s`);
