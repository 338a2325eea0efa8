// Which code bin/tally.js runs:
//   - dist/cli/main.js, the compiled CLI, when dist/ was built (dist/build.json
//     exists) and, in a git checkout, no file under src/ changed since that
//     build started (an installed package has no .git: its dist/ is used as
//     shipped, whatever the file times the installer left);
//   - otherwise src/cli/main.ts through tsx: a checkout that was never built,
//     or whose sources were edited since (so nobody runs stale code).
// TALLY_RUN=dist or TALLY_RUN=src forces one; TALLY_RUN=auto (or unset) decides
// as above. `npm run build` (also run by `npm ci` through `prepare`) builds.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The build's stamp, written last by scripts/build.mjs: `{ startedAt, startedAtMs }`. */
export const BUILD_STAMP = join('dist', 'build.json');

/** Latest modification time (ms) of any file under `dir`. */
export function newestMtimeMs(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const mtime = entry.isDirectory() ? newestMtimeMs(path) : statSync(path).mtimeMs;
    if (mtime > newest) newest = mtime;
  }
  return newest;
}

/** When the build in `root`/dist started (ms), or null when there is no complete build. */
export function builtAtMs(root) {
  if (!existsSync(join(root, 'dist', 'cli', 'main.js'))) return null;
  try {
    const stamp = JSON.parse(readFileSync(join(root, BUILD_STAMP), 'utf8'));
    return typeof stamp.startedAtMs === 'number' ? stamp.startedAtMs : null;
  } catch {
    return null;
  }
}

/**
 * The entry point for the package at `root`: `{ kind: 'dist' | 'src', file, reason }`.
 * Throws on an unknown TALLY_RUN, or TALLY_RUN=dist without a build.
 */
export function chooseEntry(root, env = process.env) {
  const dist = { kind: 'dist', file: join(root, 'dist', 'cli', 'main.js') };
  const src = { kind: 'src', file: join(root, 'src', 'cli', 'main.ts') };
  const mode = env.TALLY_RUN || 'auto';
  if (mode === 'src') return { ...src, reason: 'TALLY_RUN=src' };
  const built = builtAtMs(root);
  if (mode === 'dist') {
    if (built === null) throw new Error(`TALLY_RUN=dist, but ${join(root, 'dist')} holds no complete build: run npm run build`);
    return { ...dist, reason: 'TALLY_RUN=dist' };
  }
  if (mode !== 'auto') throw new Error(`TALLY_RUN must be auto, dist or src (got ${JSON.stringify(mode)})`);
  if (built === null) return { ...src, reason: 'not built' };
  if (!existsSync(join(root, '.git'))) return { ...dist, reason: 'built, not a git checkout' };
  if (!existsSync(join(root, 'src'))) return { ...dist, reason: 'no sources' };
  return newestMtimeMs(join(root, 'src')) > built ? { ...src, reason: 'src/ changed since the build' } : { ...dist, reason: 'built, up to date' };
}
