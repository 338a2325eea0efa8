/** A priced event → its usage_events row, exactly; tokens for retry-safe inserts. */
import { describe, expect, it, vi } from 'vitest';
import { cancellationOf, EVENT_ROW_COLUMNS, eventRowValues, toDateTime64Text, toDecimal3Text, toEventRow } from '../../../src/store/event-row.js';
import { deduplicationToken, eventKey, insertPricedEvents } from '../../../src/store/events.js';
import type { InsertOptions, SqlExecutor } from '../../../src/store/executor.js';
import { encodeUsageEvents } from '../../../src/store/rowbinary/usage-events.js';
import { parseUsd } from '../../../src/core/money.js';
import { pricedEvent } from '../../support/store-fixtures.js';

describe('toDateTime64Text', () => {
  it.each([
    ['2026-03-10T12:00:00.123Z', '2026-03-10 12:00:00.123'],
    ['2026-03-10T12:00:00Z', '2026-03-10 12:00:00.000'],
    ['2026-03-10t12:00:00.5z', '2026-03-10 12:00:00.500'],
    ['2026-03-10 12:00:00.123456789Z', '2026-03-10 12:00:00.123'],
    ['2026-03-10T23:59:59.999999999Z', '2026-03-10 23:59:59.999'],
    ['2026-03-11T00:15:00+05:30', '2026-03-10 18:45:00.000'],
    ['2026-03-10T20:00:00.25-04:00', '2026-03-11 00:00:00.250'],
    ['2026-03-10 12:00:00.123', '2026-03-10 12:00:00.123'],
  ])('%s → %s', (input, expected) => {
    expect(toDateTime64Text(input)).toBe(expected);
  });

  it('refuses what is not a timestamp', () => {
    expect(() => toDateTime64Text('yesterday')).toThrow(/not an RFC 3339 timestamp/);
  });
});

describe('toDecimal3Text', () => {
  it.each([
    [0, '0'],
    [1.5, '1.5'],
    [2, '2'],
    [0.0005, '0.001'],
    [12.3456, '12.346'],
  ])('%s → %s', (input, expected) => {
    expect(toDecimal3Text(input)).toBe(expected);
  });
});

describe('toEventRow', () => {
  const p = pricedEvent({
    tenant: 'acme',
    eventId: 'e-1',
    occurredAt: '2026-03-10T12:00:00.123456Z',
    receivedAt: '2026-03-10T13:00:00+01:00',
    userId: 'u-1',
    group: 'team-a',
    agent: 'support-bot',
    tokens: { input: 1000, cached_input: 200, output: 50, reasoning: 10 },
    costs: { input: parseUsd('0.0025'), cached_input: parseUsd('0.00025'), output: parseUsd('0.0005'), reasoning: parseUsd('0.000000000000001') },
    cacheSavings: parseUsd('0.00025'),
    durationMs: 812.5,
    audioSeconds: 1.25,
    metadata: { team: 'x' },
    source: { topic: 'usage.raw', partition: 3, offset: '9007199254740993' },
  });

  it('writes exact decimal text for money, strings for 64-bit counts, UTC millisecond times', () => {
    const row = toEventRow(p, { processedAt: new Date('2026-03-10T12:00:01.000Z') });
    expect(row).toMatchObject({
      tenant: 'acme',
      event_id: 'e-1',
      occurred_at: '2026-03-10 12:00:00.123',
      received_at: '2026-03-10 12:00:00.000',
      processed_at: '2026-03-10 12:00:01.000',
      user_id: 'u-1',
      group_id: 'team-a',
      agent: 'support-bot',
      session_id: '',
      feature: '',
      request_id: '',
      api_key_id: '',
      model_key: 'openai/gpt-4o',
      input_tokens: '1000',
      cached_input_tokens: '200',
      output_tokens: '50',
      reasoning_tokens: '10',
      audio_input_tokens: '0',
      total_tokens: '1260',
      requests: 1,
      audio_seconds: '1.25',
      cost_input: '0.0025',
      cost_cached_input: '0.00025',
      cost_output: '0.0005',
      cost_reasoning: '0.000000000000001',
      cost_request: '0',
      cost_total: '0.003250000000001',
      cache_savings: '0.00025',
      reported_cost: null,
      priced: true,
      pricing_error: '',
      price_version: 'openai/gpt-4o@2024-08-06',
      cost_source: 'catalog',
      status: 'ok',
      duration_ms: 812.5,
      ttft_ms: null,
      metadata: { team: 'x' },
      extra: '{}',
      usage_json: '{"prompt_tokens":1000,"completion_tokens":50}',
      source_topic: 'usage.raw',
      source_partition: 3,
      source_offset: '9007199254740993',
      row_version: '1',
      sign: 1,
    });
  });

  it('marks unpriced events with the pricing error code and message', () => {
    const row = toEventRow(pricedEvent({ eventId: 'e-2', priced: false, model: 'mystery' }));
    expect(row).toMatchObject({ priced: false, pricing_error: 'UNKNOWN_MODEL', pricing_error_message: 'no price for mystery', model_key: '', price_version: '', cost_total: '0', cost_source: 'none' });
  });

  it('uses -1 for events that did not come through the event log, and takes version and sign', () => {
    const row = toEventRow(pricedEvent({ eventId: 'e-3', source: null }), { rowVersion: 7n, sign: -1 });
    expect(row).toMatchObject({ source_topic: '', source_partition: -1, source_offset: '-1', row_version: '7', sign: -1 });
  });

  it('keeps a reported cost exact, from the event or the usage object', () => {
    const base = pricedEvent({ eventId: 'e-4' });
    expect(toEventRow({ ...base, event: { ...base.event, cost: '0.0123' } }).reported_cost).toBe('0.0123');
    expect(toEventRow({ ...base, event: { ...base.event, cost: 1e-7 } }).reported_cost).toBe('0.0000001');
    expect(toEventRow({ ...base, usage: { ...base.usage, reported_cost: '2.5' } }).reported_cost).toBe('2.5');
  });

  it('cancels a stored row with the same values, sign -1 and the next version', () => {
    const stored = toEventRow(p, { rowVersion: 4 });
    const cancel = cancellationOf(stored, new Date('2026-03-11T00:00:00Z'));
    expect(cancel).toEqual({ ...stored, sign: -1, row_version: '5', processed_at: '2026-03-11 00:00:00.000' });
  });
});

describe('deduplicationToken', () => {
  const rows = [toEventRow(pricedEvent({ eventId: 'a' })), toEventRow(pricedEvent({ eventId: 'b' }))];

  it('is the same for the same rows, whatever else changed (processing time)', () => {
    const later = rows.map((r) => ({ ...r, processed_at: '2099-01-01 00:00:00.000' }));
    expect(deduplicationToken(later)).toBe(deduplicationToken(rows));
    expect(deduplicationToken(rows)).toMatch(/^tally-v1-[0-9a-f]{64}$/);
  });

  it('differs for other rows, another version, a cancellation or another order', () => {
    const token = deduplicationToken(rows);
    expect(deduplicationToken(rows.slice(0, 1))).not.toBe(token);
    expect(deduplicationToken([...rows].reverse())).not.toBe(token);
    expect(deduplicationToken(rows.map((r) => ({ ...r, row_version: '2' })))).not.toBe(token);
    expect(deduplicationToken(rows.map((r) => ({ ...r, sign: -1 })))).not.toBe(token);
  });

  it('is unambiguous whatever characters ids contain', () => {
    const a = [{ tenant: 'x', event_id: 'y\u0000z', row_version: '1', sign: 1 }];
    const b = [{ tenant: 'x\u0000y', event_id: 'z', row_version: '1', sign: 1 }];
    expect(deduplicationToken(a)).not.toBe(deduplicationToken(b));
    expect(eventKey('x', 'y')).toBe('x\u0000y');
  });
});

describe('eventRowValues (the insert path)', () => {
  const events = [
    pricedEvent({ eventId: 'a', durationMs: 1200 }),
    pricedEvent({ eventId: 'b"\\\n', userId: 'ü', costs: { input: parseUsd('0.000000000000001') } }),
  ];

  it('are the row object\'s values in EVENT_ROW_COLUMNS order, and the columns are its keys', () => {
    for (const p of events) {
      const row = toEventRow(p, { processedAt: '2026-03-10 12:00:00.000', rowVersion: 3n, sign: -1 });
      expect(Object.keys(row)).toEqual([...EVENT_ROW_COLUMNS]);
      expect(eventRowValues(p, { processedAt: '2026-03-10 12:00:00.000', rowVersion: 3n, sign: -1 })).toEqual(Object.values(row));
    }
  });

  it('insertPricedEvents sends them as RowBinary with the deduplication token of the same rows as objects', async () => {
    const sent: { columns: readonly string[]; data: Buffer; token: string | undefined }[] = [];
    const sql = {
      insertRowBinary: async (_t: string, columns: readonly string[], data: Buffer, o?: InsertOptions) => {
        sent.push({ columns, data, token: o?.deduplicationToken });
      },
    } as unknown as SqlExecutor;
    const now = Date.parse('2026-03-10T12:00:00.123Z');
    vi.useFakeTimers({ now, toFake: ['Date'] });
    try {
      await insertPricedEvents({ sql }, events, { rowVersion: 3n, sign: -1 });
    } finally {
      vi.useRealTimers();
    }
    expect(sent).toHaveLength(1);
    expect(sent[0]?.columns).toEqual(EVENT_ROW_COLUMNS);
    expect(sent[0]?.data.equals(encodeUsageEvents(events, { processedAtMs: now, rowVersion: 3n, sign: -1 }))).toBe(true);
    expect(sent[0]?.token).toBe(deduplicationToken(events.map((p) => toEventRow(p, { rowVersion: 3n, sign: -1 }))));
  });
});

describe('encodeUsageEvents', () => {
  it('writes each row\'s own times when they change from row to row (the encoder remembers the last one parsed)', () => {
    const at = (iso: string, id: string, received: string) => pricedEvent({ eventId: id, occurredAt: iso, receivedAt: received });
    const events = [
      at('2026-03-10T12:00:00.123Z', 'a', '2026-03-10T12:00:01Z'),
      at('2026-03-10T12:00:00.123Z', 'b', '2026-03-10T12:00:01Z'),
      at('2026-03-09T23:59:59.999Z', 'c', '2026-03-10T12:00:02Z'),
      at('2026-03-10T12:00:00.123Z', 'd', '2026-03-10T12:00:01Z'),
    ];
    const options = { processedAtMs: Date.parse('2026-03-10T12:00:03Z') };
    // Each row encoded alone parses its own times: the batch must be the same bytes as the rows one by one.
    const alone = Buffer.concat(events.map((e) => encodeUsageEvents([e], options)));
    expect(encodeUsageEvents(events, options).equals(alone)).toBe(true);
    // And the times are there: occurred_at follows the tenant and the event id (one-byte lengths here).
    const row = encodeUsageEvents([events[2]!], options);
    const offset = 1 + 'acme'.length + 1 + 'c'.length;
    expect(row.readBigInt64LE(offset)).toBe(BigInt(Date.parse('2026-03-09T23:59:59.999Z')));
    expect(row.readBigInt64LE(offset + 8)).toBe(BigInt(Date.parse('2026-03-10T12:00:02Z')));
  });
});
