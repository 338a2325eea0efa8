import { describe, expect, it } from 'vitest';
import { parseEvent, type ParseOutcome } from '../../../src/events/parse.js';

function ok(outcome: ParseOutcome): Extract<ParseOutcome, { ok: true }> {
  if (!outcome.ok) throw new Error(`rejected: ${JSON.stringify(outcome.rejection)}`);
  return outcome;
}

function errors(outcome: ParseOutcome): readonly { path: string; reason: string }[] {
  if (outcome.ok) throw new Error(`accepted: ${JSON.stringify(outcome.event)}`);
  return outcome.rejection.errors;
}

/** An OpenMeter-style CloudEvent: the metered subject in `subject`, the usage in `data`. */
const cloudEvent = {
  specversion: '1.0',
  type: 'llm.usage',
  id: '5c10fade-1c9e-4d6c-8275-c52c36731d3c',
  source: 'chat-service',
  subject: 'customer-1',
  time: '2026-01-31T12:00:00.123456Z',
  datacontenttype: 'application/json',
  tenant: 'acme',
  traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
  data: {
    provider: 'anthropic',
    model: 'claude-3-5-sonnet-20241022',
    usage: { input_tokens: 10000, output_tokens: 5000 },
    feature: 'summaries',
    prompt_version: 'v7',
  },
};

describe('CloudEvents 1.0 structured mode', () => {
  it('maps id, time, subject and the tenant extension; keeps source, type and extensions in extra.cloudevents', () => {
    const out = ok(parseEvent(JSON.stringify(cloudEvent)));
    expect(out.envelope).toBe('cloudevents');
    expect(out.event).toEqual({
      event_id: '5c10fade-1c9e-4d6c-8275-c52c36731d3c',
      occurred_at: '2026-01-31T12:00:00.123456Z',
      user_id: 'customer-1',
      tenant: 'acme',
      provider: 'anthropic',
      model: 'claude-3-5-sonnet-20241022',
      usage: { input_tokens: 10000, output_tokens: 5000 },
      feature: 'summaries',
      status: 'ok',
      extra: {
        prompt_version: 'v7',
        cloudevents: { source: 'chat-service', type: 'llm.usage', subject: 'customer-1', traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
      },
    });
  });

  it('fields in data win over the context attributes, which are then kept in extra.cloudevents', () => {
    const out = ok(
      parseEvent({ ...cloudEvent, data: { ...cloudEvent.data, event_id: 'own-id', occurred_at: '2026-01-31T11:59:59Z', user_id: 'u-9', tenant: 'globex' } }),
    );
    expect(out.event).toMatchObject({ event_id: 'own-id', occurred_at: '2026-01-31T11:59:59Z', user_id: 'u-9', tenant: 'globex' });
    expect(out.event.extra?.cloudevents).toEqual({
      source: 'chat-service',
      type: 'llm.usage',
      id: cloudEvent.id,
      time: cloudEvent.time,
      subject: 'customer-1',
      tenant: 'acme',
      traceparent: cloudEvent.traceparent,
    });
  });

  it('rejects a specversion other than 1.0, clearly', () => {
    expect(errors(parseEvent({ ...cloudEvent, specversion: '0.3' }))).toEqual([{ path: 'specversion', reason: 'must be "1.0": tally reads CloudEvents 1.0 (got "0.3")' }]);
    expect(errors(parseEvent({ ...cloudEvent, specversion: 1 }))[0]?.reason).toMatch(/got 1\)$/);
  });

  it('requires id, source and type, as the spec does', () => {
    const { id: _id, source: _source, ...rest } = cloudEvent;
    expect(errors(parseEvent({ ...rest, type: '' }))).toEqual([
      { path: 'id', reason: 'is required by CloudEvents 1.0' },
      { path: 'source', reason: 'is required by CloudEvents 1.0' },
      { path: 'type', reason: 'must be a non-empty string' },
    ]);
  });

  it('needs JSON data', () => {
    expect(errors(parseEvent({ ...cloudEvent, data: undefined }))).toEqual([{ path: 'data', reason: 'is required: it carries the usage event' }]);
    expect(errors(parseEvent({ ...cloudEvent, data: [1] }))).toEqual([{ path: 'data', reason: 'must be a JSON object with the usage event (got an array)' }]);
    expect(errors(parseEvent({ ...cloudEvent, datacontenttype: 'application/xml' }))[0]?.path).toBe('datacontenttype');
    const { data: _data, ...noData } = cloudEvent;
    expect(errors(parseEvent({ ...noData, data_base64: 'eyJtb2RlbCI6Im0ifQ==' }))[0]?.path).toBe('data_base64');
  });

  it('accepts +json media types and data sent as a JSON string', () => {
    expect(ok(parseEvent({ ...cloudEvent, datacontenttype: 'application/cloudevents+json; charset=utf-8' })).event.model).toBe('claude-3-5-sonnet-20241022');
    expect(ok(parseEvent({ ...cloudEvent, data: JSON.stringify(cloudEvent.data) })).event.usage).toEqual({ input_tokens: 10000, output_tokens: 5000 });
  });

  it('names fields where the user wrote them: data.… for data, the attribute for mapped ones', () => {
    const out = errors(parseEvent({ ...cloudEvent, id: 'has space', time: 'yesterday', data: { model: '', usage: { input_tokens: 1 }, tool_calls: -1 } }));
    expect(out).toEqual([
      { path: 'id', reason: 'must be printable ASCII without spaces' },
      { path: 'time', reason: 'must be an RFC 3339 timestamp with a time zone, e.g. 2026-01-31T12:00:00Z' },
      { path: 'data.model', reason: 'must not be empty' },
      { path: 'data.tool_calls', reason: 'must not be negative' },
    ]);
  });
});
