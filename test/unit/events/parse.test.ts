import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { MAX_EVENT_DEPTH, parseEvent, type ParseOutcome } from '../../../src/events/parse.js';
import type { UsageEvent } from '../../../src/events/schema.js';

function accepted(outcome: ParseOutcome): UsageEvent {
  if (!outcome.ok) throw new Error(`rejected: ${JSON.stringify(outcome.rejection)}`);
  return outcome.event;
}

function rejected(outcome: ParseOutcome): { code: string; message: string; errors: readonly { path: string; reason: string }[] } {
  if (outcome.ok) throw new Error(`accepted: ${JSON.stringify(outcome.event)}`);
  return outcome.rejection;
}

const openaiEvent = {
  event_id: '0190a3b2-7c1d-7e2f-8a3b-4c5d6e7f8a9b',
  occurred_at: '2026-01-31T12:00:00.123Z',
  tenant: 'acme',
  user_id: 'u_123',
  feature: 'chat',
  provider: 'openai',
  model: 'gpt-4o-mini-2024-07-18',
  usage: { prompt_tokens: 1200, completion_tokens: 340, total_tokens: 1540, prompt_tokens_details: { cached_tokens: 1024 } },
  duration_ms: 812,
  ttft_ms: 230,
  metadata: { team: 'search', env: 'prod' },
};

describe('parseEvent: v1', () => {
  it('accepts a v1 event from text, with the envelope named and defaults applied', () => {
    const out = parseEvent(JSON.stringify({ model: 'gpt-4o', usage: {} }));
    expect(out).toEqual({ ok: true, envelope: 'v1', event: { model: 'gpt-4o', usage: {}, tenant: 'default', status: 'ok' }, locate: expect.any(Function) });
    expect(out.ok && out.locate('usage.prompt_tokens')).toBe('usage.prompt_tokens');
  });

  it('accepts Buffers and plain objects, giving the same event', () => {
    const text = JSON.stringify(openaiEvent);
    const fromText = accepted(parseEvent(text));
    expect(accepted(parseEvent(Buffer.from(text)))).toEqual(fromText);
    expect(accepted(parseEvent(openaiEvent))).toEqual(fromText);
    expect(fromText).toEqual({ ...openaiEvent, status: 'ok' });
  });

  it('does not modify an object passed in', () => {
    const input = { model: 'gpt-4o', usage: {}, surprise: 1 };
    const copy = structuredClone(input);
    accepted(parseEvent(input));
    expect(input).toEqual(copy);
  });

  it('moves unknown top-level fields into extra; an explicit extra entry wins a name clash', () => {
    const event = accepted(parseEvent(JSON.stringify({ model: 'm', usage: {}, trace_id: 'abc', retries: 2, extra: { source: 'sdk', retries: 3 } })));
    expect(event.extra).toEqual({ trace_id: 'abc', retries: 3, source: 'sdk' });
  });

  it('keeps a "__proto__" field as data, never as a prototype', () => {
    const event = accepted(parseEvent('{"model":"m","usage":{},"__proto__":{"polluted":true}}'));
    expect(Object.getPrototypeOf(event.extra)).toBe(Object.prototype);
    expect(Object.prototype.hasOwnProperty.call(event.extra, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('strips a UTF-8 byte order mark', () => {
    expect(accepted(parseEvent(`\ufeff${JSON.stringify({ model: 'm', usage: {} })}`)).model).toBe('m');
  });
});

describe('parseEvent: size', () => {
  it('rejects an event over the limit, naming its size and the limit', () => {
    const big = JSON.stringify({ model: 'm', usage: {}, metadata: { blob: 'x'.repeat(1000) } });
    const r = rejected(parseEvent(big, { maxBytes: 500 }));
    expect(r.code).toBe('EVENT_TOO_LARGE');
    expect(r.message).toBe(`event is ${big.length} bytes, over the limit of 500 bytes`);
    expect(r.errors).toEqual([{ path: '', reason: `is ${big.length} bytes, over the limit of 500 bytes` }]);
  });

  it('counts encoded bytes, not characters', () => {
    const text = JSON.stringify({ model: 'm', usage: {}, metadata: { note: 'é'.repeat(150) } }); // é is 2 bytes in UTF-8
    expect(Buffer.byteLength(text)).toBeGreaterThan(300);
    expect(text.length).toBeLessThan(300);
    expect(rejected(parseEvent(text, { maxBytes: 300 })).code).toBe('EVENT_TOO_LARGE');
    expect(rejected(parseEvent(Buffer.from(text), { maxBytes: 300 })).code).toBe('EVENT_TOO_LARGE');
    expect(parseEvent(text, { maxBytes: 400 }).ok).toBe(true);
  });

  it('defaults to 64 KiB', () => {
    const text = JSON.stringify({ model: 'm', usage: {}, extra: { blob: 'x'.repeat(70_000) } });
    expect(rejected(parseEvent(text)).message).toMatch(/over the limit of 65536 bytes/);
  });
});

describe('parseEvent: JSON', () => {
  it('says where the JSON breaks', () => {
    const r = rejected(parseEvent('{"model": "gpt-4o",\n "usage": {"prompt_tokens": 12,}\n}'));
    expect(r.code).toBe('INVALID_JSON');
    expect(r.message).toBe("event is not valid JSON at line 2, column 32: expected a property name in double quotes, found '}'");
    expect(r.errors).toHaveLength(1);
  });

  it('reports truncated input and non-objects clearly', () => {
    expect(rejected(parseEvent('{"model": "gpt')).message).toMatch(/line 1, column 15: expected a closing '"', found the end of the input/);
    expect(rejected(parseEvent('')).message).toMatch(/the input is empty/);
    const arr = rejected(parseEvent('[{"model":"m"}]'));
    expect(arr).toEqual({ code: 'VALIDATION_FAILED', message: 'event must be a JSON object (got an array)', errors: [{ path: '', reason: 'must be a JSON object (got an array)' }] });
    expect(rejected(parseEvent('null')).message).toBe('event must be a JSON object (got null)');
  });
});

describe('parseEvent: nesting depth', () => {
  const nested = (levels: number, open = '{"k":', close = '}'): string => `{"model":"m","usage":{},"extra":{"deep":${open.repeat(levels)}1${close.repeat(levels)}}}`;

  it('refuses an event nesting deeper than MAX_EVENT_DEPTH, from bytes, text or a parsed object, naming the field', () => {
    // event (1) → deep (2, a field of extra counts as a top-level field) → levels more objects: the deepest is at level levels + 1.
    expect(parseEvent(nested(MAX_EVENT_DEPTH - 1)).ok).toBe(true);
    const text = nested(MAX_EVENT_DEPTH);
    for (const input of [text, Buffer.from(text), JSON.parse(text) as unknown]) {
      const out = parseEvent(input);
      expect(out.ok).toBe(false);
      if (out.ok) continue;
      expect(out.rejection.code).toBe('VALIDATION_FAILED');
      expect(out.rejection.errors).toEqual([{ path: `extra.deep${'.k'.repeat(MAX_EVENT_DEPTH - 1)}`, reason: expect.stringContaining(`${MAX_EVENT_DEPTH} levels`) }]);
    }
  });

  it('an unknown field accepted as sent is accepted again as stored in extra (what the processor reads): found by the ingest fuzz suite', () => {
    // 202 then never stored: the ingest accepted {"junk": [[…63 levels…]]}, stamping moved it into extra (one level deeper), the processor refused it.
    const sent = (levels: number): string => `{"model":"m","usage":{},"junk":${'['.repeat(levels)}${']'.repeat(levels)}}`;
    const accepted = parseEvent(sent(MAX_EVENT_DEPTH - 1));
    expect(accepted.ok).toBe(true);
    if (!accepted.ok) return;
    expect(accepted.event.extra).toHaveProperty('junk');
    expect(parseEvent(JSON.stringify(accepted.event)).ok).toBe(true);
    const refused = parseEvent(sent(MAX_EVENT_DEPTH));
    expect(!refused.ok && refused.rejection.errors.map((e) => e.path)).toEqual(['junk']);
  });

  it('names the field above array nesting, and survives nesting far beyond what JSON.stringify can write', () => {
    const out = parseEvent(JSON.parse(nested(100_000, '[', ']')) as unknown);
    expect(out.ok).toBe(false);
    if (!out.ok) expect(out.rejection.errors.map((e) => e.path)).toEqual(['extra.deep']);
    const top = parseEvent('['.repeat(100) + ']'.repeat(100));
    expect(!top.ok && top.rejection.errors[0]?.path).toBe('');
  });
});

describe('parseEvent: validation', () => {
  it('gives one field error per problem, with user paths and reasons', () => {
    const r = rejected(
      parseEvent(
        JSON.stringify({
          event_id: 'has space',
          occurred_at: '2026-02-30T10:00:00Z',
          tenant: '',
          model: 42,
          usage: [],
          tool_calls: -1,
          images: 1.5,
          status: 'done',
          cost: '-0.5',
          metadata: { team: 7, ['k'.repeat(129)]: 'v' },
        }),
      ),
    );
    expect(r.code).toBe('VALIDATION_FAILED');
    expect(r.errors).toEqual([
      { path: 'event_id', reason: 'must be printable ASCII without spaces' },
      { path: 'occurred_at', reason: 'is not a real date and time between 1970 and 2105 UTC (check the year, the day of the month, the hour and the offset)' },
      { path: 'tenant', reason: 'must not be empty' },
      { path: 'model', reason: 'must be a string (got 42)' },
      { path: 'usage', reason: 'must be an object (got an array)' },
      { path: 'tool_calls', reason: 'must not be negative' },
      { path: 'images', reason: 'must be a whole number' },
      { path: 'status', reason: 'must be one of "ok", "error", "cancelled" (got "done")' },
      { path: 'cost', reason: 'must be a non-negative decimal, e.g. "0.0042"' },
      { path: 'metadata.team', reason: 'must be a string (got 7)' },
      { path: `metadata.${'k'.repeat(129)}`, reason: 'keys must be at most 128 characters' },
    ]);
    expect(r.message).toMatch(/^event_id: must be printable ASCII without spaces; occurred_at: .*; tenant: must not be empty; and 8 more$/);
  });

  it('says what is missing', () => {
    expect(rejected(parseEvent('{}')).errors).toEqual([
      { path: 'model', reason: 'is required' },
      { path: 'usage', reason: 'is required' },
    ]);
  });

  it('bounds metadata: entries, key and value length', () => {
    const many = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, 'v']));
    expect(rejected(parseEvent({ model: 'm', usage: {}, metadata: many })).errors).toEqual([{ path: 'metadata', reason: 'must have at most 64 entries' }]);
    expect(rejected(parseEvent({ model: 'm', usage: {}, metadata: { note: 'x'.repeat(1025) } })).errors).toEqual([{ path: 'metadata.note', reason: 'values must be at most 1024 characters' }]);
    expect(rejected(parseEvent({ model: 'm', usage: {}, metadata: { '': 'x' } })).errors).toEqual([{ path: 'metadata[""]', reason: 'keys must not be empty' }]);
    expect(rejected(parseEvent({ model: 'm', usage: {}, metadata: { 'team.name': 5 } })).errors).toEqual([{ path: 'metadata["team.name"]', reason: 'must be a string (got 5)' }]);
  });

  it('bounds identity fields', () => {
    expect(rejected(parseEvent({ model: 'm', usage: {}, user_id: 'u'.repeat(257) })).errors).toEqual([{ path: 'user_id', reason: 'must be at most 256 characters' }]);
  });

  it('accepts every field of the v1 contract', () => {
    const full = {
      ...openaiEvent,
      received_at: '2026-01-31T12:00:01Z',
      group: 'search-team',
      session_id: 'conv_42',
      agent: 'planner',
      request_id: 'chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG',
      api_key_id: 'key_prod_1',
      audio_seconds: 0,
      tool_calls: 2,
      images: 0,
      web_search_requests: 1,
      batch: false,
      service_tier: 'default',
      status: 'error',
      error_type: 'rate_limit_exceeded',
      cost: '0.00042',
      extra: { region: 'eu' },
    };
    expect(accepted(parseEvent(JSON.stringify(full)))).toEqual(full);
  });

  it('rejects an OTLP export of many spans with a clear error', () => {
    expect(rejected(parseEvent({ resourceSpans: [] })).errors).toEqual([
      { path: 'resourceSpans', reason: 'is an OTLP export request: send it to POST /v1/traces (the OTLP/HTTP traces receiver), or one span (or one attribute map) per event here' },
    ]);
  });
});
