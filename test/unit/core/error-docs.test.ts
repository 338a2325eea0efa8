import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { errorDocs } from '../../../src/core/error-docs.js';
import { ERROR_CATALOG } from '../../../src/core/errors.js';

describe('docs/errors.md', () => {
  it('is the catalog as it is now (regenerate with npm run docs:errors)', () => {
    expect(readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8')).toBe(errorDocs());
  });

  it('lists every code with an HTTP status and a description', () => {
    for (const [code, spec] of Object.entries(ERROR_CATALOG)) {
      expect(errorDocs()).toContain(`| \`${code}\` | ${spec.status} |`);
      expect(spec.description.length).toBeGreaterThan(10);
    }
  });
});
