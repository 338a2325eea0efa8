import { describe, expect, it } from 'vitest';
import { isUuidv7 } from '../../../src/events/ids.js';
import type { UsageEvent } from '../../../src/events/schema.js';
import { stampEvent } from '../../../src/events/stamp.js';
import { TallyError } from '../../../src/core/errors.js';

const now = new Date('2026-01-31T12:00:05.678Z');
const base: UsageEvent = { model: 'gpt-4o', usage: { prompt_tokens: 1 }, tenant: 'acme', status: 'ok' };

describe('stampEvent', () => {
  it('makes a UUIDv7, and stamps received_at and occurred_at with now', () => {
    const s = stampEvent(base, now);
    expect(isUuidv7(s.event_id)).toBe(true);
    expect(parseInt(s.event_id.replace(/-/g, '').slice(0, 12), 16)).toBe(now.getTime());
    expect(s.received_at).toBe('2026-01-31T12:00:05.678Z');
    expect(s.occurred_at).toBe('2026-01-31T12:00:05.678Z');
    expect(s).toMatchObject(base);
  });

  it('keeps an event_id the producer sent (the idempotency key)', () => {
    expect(stampEvent({ ...base, event_id: 'req-42' }, now, () => 'unused').event_id).toBe('req-42');
    expect(stampEvent(base, now, () => 'fixed-id').event_id).toBe('fixed-id');
  });

  it('normalises every timestamp to UTC milliseconds, truncating sub-millisecond digits', () => {
    const s = stampEvent({ ...base, occurred_at: '2026-01-31T13:59:59.9999999+02:00', received_at: '2026-01-31 12:00:01.000001z' }, now);
    expect(s.occurred_at).toBe('2026-01-31T11:59:59.999Z');
    expect(s.received_at).toBe('2026-01-31T12:00:01.000Z');
  });

  it('occurred_at defaults to received_at when the producer sent one', () => {
    expect(stampEvent({ ...base, received_at: '2026-01-30T00:00:00Z' }, now).occurred_at).toBe('2026-01-30T00:00:00.000Z');
  });

  it('does not change the event it is given', () => {
    const e = { ...base };
    stampEvent(e, now);
    expect(e).toEqual(base);
  });

  it('refuses an invalid timestamp or clock with a TallyError', () => {
    expect(() => stampEvent({ ...base, occurred_at: '2026-02-30T00:00:00Z' }, now)).toThrow(TallyError);
    expect(() => stampEvent(base, new Date(Number.NaN))).toThrow(TallyError);
  });
});
