import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseEvent } from '../../../src/events/parse.js';
import { normalizeUsage } from '../../../src/normalize/index.js';

/** Every JSON example in docs/events.md, with the `→ …` line that follows it, if any. */
function examples(): Array<{ json: string; expect: string | null }> {
  const doc = readFileSync(new URL('../../../docs/events.md', import.meta.url), 'utf8');
  const out: Array<{ json: string; expect: string | null }> = [];
  const re = /```json\n([\s\S]*?)```\n(→ [^\n]*)?/g;
  for (let m = re.exec(doc); m !== null; m = re.exec(doc)) out.push({ json: m[1] ?? '', expect: m[2] ?? null });
  return out;
}

const ex = examples();

describe('docs/events.md examples', () => {
  it('has examples', () => {
    expect(ex.length).toBeGreaterThan(15);
  });

  it.each(ex.map((e, i) => [i, e] as const))('example %i is accepted and normalizes as documented', (_i, e) => {
    const value = JSON.parse(e.json) as Record<string, unknown>;
    const isEvent = 'model' in value || 'specversion' in value || 'attributes' in value || 'gen_ai.request.model' in value;
    const parsed = parseEvent(isEvent ? value : { model: 'example', usage: value });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.rejection));
    const normalized = normalizeUsage(parsed.event);
    if (!normalized.ok) throw new Error(JSON.stringify(normalized.errors));
    if (e.expect === null) return;
    const u = normalized.usage;
    const values: Record<string, unknown> = { ...u.tokens, audio_seconds: u.audio_seconds, reported_cost: u.reported_cost, web_search_requests: u.web_search_requests };
    let sum = 0;
    for (const part of e.expect.replace(/^→ /, '').replace(/\.$/, '').split(', ')) {
      const [name, raw] = part.split(' ') as [string, string];
      const want = raw.startsWith('`') ? JSON.parse(raw.slice(1, -1)) : Number(raw);
      expect(values[name], name).toEqual(want);
      if (name in u.tokens) sum += Number(want);
    }
    expect(u.tokens.total).toBe(sum);
  });
});
