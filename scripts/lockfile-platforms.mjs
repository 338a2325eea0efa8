#!/usr/bin/env node
// Completes package-lock.json with the per-platform optional packages that the
// registry mirror of the build machine lacks, so `npm ci` passes everywhere.
// chDB ships its native library as @chdb/lib-<platform>; a mirror holding only
// linux-x64 leaves the other platforms out of the lockfile, and `npm ci` then
// refuses the lockfile as out of sync. Run after `npm install` whenever
// dependencies change. (rollup, the other such package, is pinned by
// `overrides` in package.json to a version whose every platform package exists.)
import { readFileSync, writeFileSync } from 'node:fs';

const file = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(file, 'utf8'));
const packages = lock.packages;
const base = packages['node_modules/@chdb/lib-linux-x64-gnu'];
if (!base) throw new Error('package-lock.json has no @chdb/lib-linux-x64-gnu entry; run npm install first');
const PLATFORMS = [
  { name: 'darwin-arm64', os: 'darwin', cpu: 'arm64' },
  { name: 'darwin-x64', os: 'darwin', cpu: 'x64' },
  { name: 'linux-arm64-gnu', os: 'linux', cpu: 'arm64', libc: 'glibc' },
];
let added = 0;
for (const p of PLATFORMS) {
  const key = `node_modules/@chdb/lib-${p.name}`;
  if (packages[key]) continue;
  packages[key] = { version: base.version, cpu: [p.cpu], ...(p.libc ? { libc: [p.libc] } : {}), license: base.license, optional: true, os: [p.os] };
  added++;
}
lock.packages = Object.fromEntries(Object.entries(packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : a > b ? 1 : 0)));
writeFileSync(file, JSON.stringify(lock, null, 2) + '\n');
console.log(`lockfile-platforms: ${added} platform entr${added === 1 ? 'y' : 'ies'} added`);
