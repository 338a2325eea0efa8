#!/usr/bin/env node
// Build step 2 (scripts/build.mjs): copies the non-TypeScript files the code
// reads at run time (price catalog, SQL migrations, Lua scripts, dashboard
// assets) from src/ into dist/ (or the directory given as the first
// argument) at the same relative paths.
import { cpSync, existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src');
const dist = process.argv[2] ? resolve(process.argv[2]) : join(root, 'dist');
const ASSET = /\.(json|sql|lua|html|css|js|svg|png)$/;

let copied = 0;
function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (ASSET.test(name) && !name.endsWith('.d.ts')) {
      cpSync(path, join(dist, relative(src, path)));
      copied++;
    }
  }
}
if (!existsSync(dist)) {
  console.error(`copy-assets: ${dist} does not exist; run tsc first`);
  process.exit(1);
}
walk(src);
console.error(`copy-assets: ${copied} files copied into ${relative(root, dist) || dist}/`);
