#!/usr/bin/env node
// The `tally` command. Runs the compiled CLI (dist/) when it is built and up
// to date with src/, else the TypeScript sources through tsx, so `npx tally`
// works straight after `npm ci` and right after an edit (see entry.js).
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chooseEntry } from './entry.js';

let entry;
try {
  entry = chooseEntry(fileURLToPath(new URL('..', import.meta.url)));
} catch (err) {
  process.stderr.write(`tally: ${err.message}\n`);
  process.exit(2);
}
if (entry.kind === 'src') {
  const { register } = await import('tsx/esm/api');
  register();
}
await import(pathToFileURL(entry.file).href);
