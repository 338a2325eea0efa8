import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runTally } from '../../support/cli.js';

const fixture = (name: string): string => new URL(`../../fixtures/${name}`, import.meta.url).pathname;

describe('tally price', () => {
  it('prices the seed examples exactly, keeps going past a bad line, and exits 1', async () => {
    const res = await runTally(['price', fixture('seed-events.ndjson')]);
    expect(res.code).toBe(1);
    const records = res.stdout.trim().split('\n').map((l) => JSON.parse(l) as { line: number; cost: { total: string }; priced: boolean; pricing_error: { code: string } | null; tokens: { total: number } });
    expect(records.map((r) => [r.line, r.cost.total])).toEqual([[1, '0.105'], [2, '0.00135'], [3, '90'], [4, '1'], [6, '0']]);
    expect(records[4]).toMatchObject({ priced: false, pricing_error: { code: 'UNKNOWN_MODEL' }, tokens: { total: 1500 } });
    expect(res.stderr).toContain('line 5: USAGE_INVALID: usage.prompt_tokens: must not be negative');
  });

  it('reads stdin and applies --prices files in tally (per 1K) and LiteLLM (per token) format', async () => {
    const line = '{"provider":"openai","model":"my-model","usage":{"prompt_tokens":1000,"completion_tokens":500}}\n';
    for (const file of ['prices-per-thousand.json', 'prices-litellm.json']) {
      const res = await runTally(['price', '--prices', fixture(file), '-'], { stdin: line });
      expect(res.code).toBe(0);
      expect((JSON.parse(res.stdout) as { cost: { total: string } }).cost.total).toBe('0.025');
    }
  });

  it('prints an aligned table with a totals row', async () => {
    const res = await runTally(['price', '--table', fixture('seed-events.ndjson')]);
    const lines = res.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ line {2}tenant/);
    const costEnd = (lines[0] ?? '').indexOf('cost (USD)') + 'cost (USD)'.length;
    const rows = lines.slice(1).filter((l) => !l.startsWith('-'));
    expect(rows).toHaveLength(6);
    for (const row of rows) {
      expect(row.slice(costEnd - 1, costEnd)).toMatch(/[0-9—]/);
      expect([' ', undefined]).toContain(row[costEnd]);
    }
    expect(lines.at(-1)).toMatch(/^total\s+5 events\s+5,012,000\s+0\s+1,007,500\s+0\s+6,019,500\s+\$91\.10635$/);
  });

  it('gives one JSON document with --json, rejected lines included', async () => {
    const res = await runTally(['price', '--json', fixture('seed-events.ndjson')]);
    const doc = JSON.parse(res.stdout) as { totals: { events: number; cost: string; unpriced: number }; rejected: { line: number; errors: { path: string }[] }[] };
    expect(doc.totals).toMatchObject({ events: 5, cost: '91.10635', unpriced: 1 });
    expect(doc.rejected).toEqual([expect.objectContaining({ line: 5, errors: [expect.objectContaining({ path: 'usage.prompt_tokens' })] })]);
    expect(readFileSync(fixture('seed-events.ndjson'), 'utf8').split('\n').filter(Boolean)).toHaveLength(6);
  });
});
