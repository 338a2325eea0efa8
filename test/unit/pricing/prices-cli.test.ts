/**
 * Issue #11 item 1, from outside: `tally prices check FILE` reports what a
 * price file gave, what was skipped and why; `tally price --prices FILE`
 * names every skipped entry on stderr and says in its exit code whether
 * anything was skipped (0 nothing, 1 bad lines, 4 skipped price entries,
 * 5 both). The LiteLLM-format fixture is written for this test.
 */
import { describe, expect, it } from 'vitest';
import { runTally } from '../../support/cli.js';

const fixture = (name: string): string => new URL(`../../fixtures/${name}`, import.meta.url).pathname;
const LITELLM = fixture('litellm-small.json');

describe('tally prices check', () => {
  it('reports entries read, imported and skipped with their reasons, and exits 4', async () => {
    const res = await runTally(['prices', 'check', '--json', LITELLM]);
    expect(res.code).toBe(4);
    const report = JSON.parse(res.stdout) as { format: string; entries: number; imported: number; aliases: number; skipped: unknown[]; inexact: unknown[]; fields: { key: string; use: string }[]; anything_skipped: boolean };
    expect(report).toMatchObject({ format: 'litellm', entries: 5, imported: 2, aliases: 1, anything_skipped: true });
    expect(report.skipped).toEqual([
      { entry: 'broken-model', reason: 'invalid_value', detail: 'input_cost_per_token: must be a decimal number' },
      { entry: '256-x-256/pixel-model', reason: 'unsupported_only', detail: 'its prices are only in keys tally does not price: input_cost_per_pixel' },
    ]);
    expect(report.inexact).toEqual([{ entry: 'glm-x', field: 'input_cost_per_token', text: '1.1428571428571428e-06' }]);
    expect(report.fields.find((f) => f.key === 'input_cost_per_pixel')).toMatchObject({ use: 'unsupported' });
  });

  it('prints a readable report', async () => {
    const res = await runTally(['prices', 'check', LITELLM]);
    expect(res.stdout).toContain('LiteLLM format, 5 entries: 2 models imported (+1 aliases), 2 skipped, 1 prices finer than a femto-dollar read exactly');
    expect(res.stdout).toContain('broken-model  [invalid_value]  input_cost_per_token: must be a decimal number');
  });

  it('exits 0 for a tally-format file that is all used', async () => {
    const res = await runTally(['prices', 'check', fixture('prices-per-thousand.json')]);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/tally format, 1 entries: 1 models imported/);
  });
});

describe('tally price --prices FILE', () => {
  const line = '{"provider":"zai","model":"glm-x","usage":{"prompt_tokens":7,"completion_tokens":0}}\n';

  it('prices with the rest of the file, names each skipped entry on stderr, exits 4', async () => {
    const res = await runTally(['price', '--prices', LITELLM, '-'], { stdin: line });
    expect(res.code).toBe(4);
    // 7 × 1.1428571428571428e-06 = 0.0000079999999999999996 → 0.000008 (one rounding, half to even)
    expect((JSON.parse(res.stdout) as { cost: { total: string } }).cost.total).toBe('0.000008');
    expect(res.stderr).toContain(`tally: prices ${LITELLM}: skipped entry "broken-model" (invalid_value): input_cost_per_token: must be a decimal number`);
    expect(res.stderr).toContain(`tally: prices ${LITELLM}: skipped entry "256-x-256/pixel-model" (unsupported_only)`);
  });

  it('exits 5 when lines were bad too, and 0 with a file that is all used', async () => {
    expect((await runTally(['price', '--prices', LITELLM, '-'], { stdin: `${line}{"model":"x","usage":{"prompt_tokens":-1}}\n` })).code).toBe(5);
    expect((await runTally(['price', '--prices', fixture('prices-litellm.json'), '-'], { stdin: '{"provider":"openai","model":"my-model","usage":{"prompt_tokens":1000,"completion_tokens":500}}\n' })).code).toBe(0);
  });

  it('prices the 21-event provider mix with the built-in catalog, every line accepted', async () => {
    const res = await runTally(['price', '--json', fixture('mix-providers.ndjson')]);
    expect(res.code).toBe(0);
    const doc = JSON.parse(res.stdout) as { totals: { events: number; unpriced: number }; rejected: unknown[] };
    // deepseek-chat and whisper-1 are not in the built-in catalog (a LiteLLM file prices them)
    expect(doc.totals).toMatchObject({ events: 21, unpriced: 2 });
    expect(doc.rejected).toEqual([]);
  });
});
