import { describe, expect, it } from 'vitest';
import { acceptInput, createRecordPipeline, priceAccepted, RECEIVED_AT_HEADER } from '../../../src/pipeline/price-event.js';
import { createPricer, loadCatalog } from '../../../src/pricing/index.js';
import { formatUsd } from '../../../src/core/money.js';
import type { LogRecord } from '../../../src/eventlog/types.js';

const pricer = createPricer(loadCatalog());
const now = new Date('2026-11-22T10:00:00.000Z');

function priceOf(input: unknown): string {
  const accepted = acceptInput(input, { receivedAt: now });
  if (!accepted.ok) throw new Error(accepted.rejection.message);
  return formatUsd(priceAccepted(pricer, accepted.event, accepted.usage, null).pricing.total);
}

function record(value: unknown, headers: Record<string, string> = {}, offset = '41'): LogRecord {
  return { topic: 'usage.raw', partition: 2, offset, key: 'acme', value: Buffer.from(JSON.stringify(value)), headers, timestamp: Date.parse('2026-11-22T09:00:00Z') };
}

describe('input to priced event', () => {
  it('prices the seed examples exactly with the built-in catalog', () => {
    expect(priceOf({ provider: 'anthropic', model: 'claude-3-5-sonnet', usage: { input_tokens: 10_000, output_tokens: 5_000 } })).toBe('0.105');
    expect(priceOf({ provider: 'openai', model: 'gpt-4o-mini', usage: { prompt_tokens: 1_000, completion_tokens: 2_000 } })).toBe('0.00135');
    expect(priceOf({ provider: 'anthropic', model: 'claude-3-opus', usage: { input_tokens: 1_000_000, output_tokens: 1_000_000 } })).toBe('90');
    expect(priceOf({ provider: 'anthropic', model: 'claude-3-haiku', usage: { input_tokens: 4_000_000, output_tokens: 0 } })).toBe('1');
  });

  it('accepts the same call through a CloudEvent and through OTel GenAI attributes', () => {
    const data = { provider: 'anthropic', model: 'claude-3-5-sonnet', usage: { input_tokens: 10_000, output_tokens: 5_000 } };
    expect(priceOf({ specversion: '1.0', id: 'ce-1', source: 'svc', type: 'tally.usage.v1', time: '2026-11-22T09:00:00Z', data })).toBe('0.105');
    expect(priceOf({ 'gen_ai.system': 'anthropic', 'gen_ai.request.model': 'claude-3-5-sonnet', 'gen_ai.usage.input_tokens': 10_000, 'gen_ai.usage.output_tokens': 5_000 })).toBe('0.105');
  });

  it('rejects bad usage with the field path and the reason', () => {
    const out = acceptInput({ provider: 'openai', model: 'gpt-4o', usage: { prompt_tokens: -5, completion_tokens: 1 } }, { receivedAt: now });
    expect(out.ok).toBe(false);
    if (out.ok) return;
    expect(out.rejection.code).toBe('USAGE_INVALID');
    expect(out.rejection.errors[0]?.path).toBe('usage.prompt_tokens');
  });
});

describe('record pipeline', () => {
  const pipeline = createRecordPipeline({ pricer });

  it('is deterministic for a redelivered record: id from the log position, received_at from the ingest header', () => {
    const r = record({ provider: 'openai', model: 'gpt-4o-mini', usage: { prompt_tokens: 10, completion_tokens: 5 } }, { [RECEIVED_AT_HEADER]: '2026-11-22T08:30:00.000Z' });
    const a = pipeline.process(r);
    const b = pipeline.process(r);
    expect(a).toEqual(b);
    expect(a.ok && a.priced.event.event_id).toBe('log-usage.raw-2-41');
    expect(a.ok && a.priced.event.received_at).toBe('2026-11-22T08:30:00.000Z');
    expect(a.ok && a.priced.event.occurred_at).toBe('2026-11-22T08:30:00.000Z');
    expect(a.ok && a.priced.source).toEqual({ topic: 'usage.raw', partition: 2, offset: '41' });
  });

  it('keeps an unknown model as an unpriced event with the reason', () => {
    const out = pipeline.process(record({ provider: 'acme-internal', model: 'acme-llm-7b', usage: { prompt_tokens: 100, completion_tokens: 20 } }));
    expect(out.ok).toBe(true);
    if (!out.ok) return;
    expect(out.priced.pricing.priced).toBe(false);
    expect(out.priced.pricing.pricing_error?.code).toBe('UNKNOWN_MODEL');
    expect(out.priced.usage.tokens.total).toBe(120);
  });

  it('gives each record of a sequence its own id and received_at (one context reused across records)', () => {
    const usage = { provider: 'openai', model: 'gpt-4o-mini', usage: { prompt_tokens: 10, completion_tokens: 5 } };
    const outs = [
      pipeline.process(record(usage, { [RECEIVED_AT_HEADER]: '2026-11-22T08:30:00.000Z' }, '7')),
      pipeline.process(record(usage, {}, '8')),
      pipeline.process(record(usage, { [RECEIVED_AT_HEADER]: '2026-11-22T08:45:00+00:00' }, '9')),
      pipeline.process(record({ ...usage, event_id: 'own-id' }, { [RECEIVED_AT_HEADER]: 'not a time' }, '10')),
    ];
    const seen = outs.map((o) => (o.ok ? [o.priced.event.event_id, o.priced.event.received_at] : null));
    expect(seen).toEqual([
      ['log-usage.raw-2-7', '2026-11-22T08:30:00.000Z'],
      ['log-usage.raw-2-8', '2026-11-22T09:00:00.000Z'],
      ['log-usage.raw-2-9', '2026-11-22T08:45:00.000Z'],
      ['own-id', '2026-11-22T09:00:00.000Z'],
    ]);
  });

  it('turns bytes that are not an event into a rejection, never a throw', () => {
    const bad: LogRecord = { ...record({}), value: Buffer.from('{"model": "gpt-4o", "usage": {') };
    const out = pipeline.process(bad);
    expect(out.ok).toBe(false);
    expect(!out.ok && out.rejection.code).toBe('INVALID_JSON');
  });
});
