/** Writes docs/errors.md from the error catalog in src/errors.ts (`npm run docs:errors`); a test fails when they drift. */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { errorDocs } from '../src/core/error-docs.js';

const file = fileURLToPath(new URL('../docs/errors.md', import.meta.url));
writeFileSync(file, errorDocs());
console.log(`wrote ${file}`);
