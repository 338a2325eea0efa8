import { describe, expect, it } from 'vitest';
import { parseEvent, type ParseOutcome } from '../../../src/events/parse.js';
import { normalizeUsage } from '../../../src/normalize/index.js';

function ok(outcome: ParseOutcome): Extract<ParseOutcome, { ok: true }> {
  if (!outcome.ok) throw new Error(`rejected: ${JSON.stringify(outcome.rejection)}`);
  return outcome;
}

function errors(outcome: ParseOutcome): readonly { path: string; reason: string }[] {
  if (outcome.ok) throw new Error(`accepted: ${JSON.stringify(outcome.event)}`);
  return outcome.rejection.errors;
}

/** One client span of a chat call, as an OTLP/JSON exporter writes it. */
const otlpSpan = {
  traceId: '5b8efff798038103d269b633813fc60c',
  spanId: 'eee19b7ec3c1b174',
  parentSpanId: 'eee19b7ec3c1b173',
  name: 'chat gpt-4o',
  kind: 3,
  startTimeUnixNano: '1769860800123456789',
  endTimeUnixNano: '1769860801935456789',
  attributes: [
    { key: 'gen_ai.operation.name', value: { stringValue: 'chat' } },
    { key: 'gen_ai.provider.name', value: { stringValue: 'openai' } },
    { key: 'gen_ai.request.model', value: { stringValue: 'gpt-4o' } },
    { key: 'gen_ai.response.model', value: { stringValue: 'gpt-4o-2024-08-06' } },
    { key: 'gen_ai.response.id', value: { stringValue: 'chatcmpl-AbC123' } },
    { key: 'gen_ai.conversation.id', value: { stringValue: 'conv_5j66UpCpwteGg4YSxUnt7lPY' } },
    { key: 'gen_ai.agent.name', value: { stringValue: 'Math Tutor' } },
    { key: 'gen_ai.usage.input_tokens', value: { intValue: '1200' } },
    { key: 'gen_ai.usage.cache_read.input_tokens', value: { intValue: '1024' } },
    { key: 'gen_ai.usage.output_tokens', value: { intValue: '340' } },
    { key: 'gen_ai.usage.reasoning.output_tokens', value: { intValue: 64 } },
    { key: 'gen_ai.response.time_to_first_chunk', value: { doubleValue: 0.23 } },
    { key: 'gen_ai.request.temperature', value: { doubleValue: 0.2 } },
    { key: 'gen_ai.response.finish_reasons', value: { arrayValue: { values: [{ stringValue: 'stop' }] } } },
    { key: 'user.id', value: { stringValue: 'u_123' } },
    { key: 'tally.tenant', value: { stringValue: 'acme' } },
    { key: 'tally.feature', value: { stringValue: 'homework' } },
    { key: 'server.address', value: { stringValue: 'api.openai.com' } },
  ],
  status: { code: 1 },
};

describe('OpenTelemetry GenAI envelope: an OTLP span', () => {
  it('maps the semantic-convention attributes to a v1 event', () => {
    const out = ok(parseEvent(JSON.stringify(otlpSpan)));
    expect(out.envelope).toBe('otel');
    expect(out.event).toEqual({
      event_id: '5b8efff798038103d269b633813fc60c-eee19b7ec3c1b174',
      occurred_at: '2026-01-31T12:00:00.123Z',
      duration_ms: 1812,
      ttft_ms: 230,
      tenant: 'acme',
      feature: 'homework',
      user_id: 'u_123',
      provider: 'openai',
      model: 'gpt-4o-2024-08-06',
      request_id: 'chatcmpl-AbC123',
      session_id: 'conv_5j66UpCpwteGg4YSxUnt7lPY',
      agent: 'Math Tutor',
      status: 'ok',
      usage: {
        'gen_ai.usage.input_tokens': 1200,
        'gen_ai.usage.cache_read.input_tokens': 1024,
        'gen_ai.usage.output_tokens': 340,
        'gen_ai.usage.reasoning.output_tokens': 64,
      },
      extra: {
        otel_attributes: {
          'gen_ai.operation.name': 'chat',
          'gen_ai.request.temperature': 0.2,
          'gen_ai.response.finish_reasons': ['stop'],
          'server.address': 'api.openai.com',
        },
        otel_span: { trace_id: otlpSpan.traceId, span_id: otlpSpan.spanId, parent_span_id: otlpSpan.parentSpanId, name: 'chat gpt-4o' },
      },
    });
  });

  it('its usage normalizes with the semconv rule: input_tokens includes cached tokens', () => {
    const out = normalizeUsage(ok(parseEvent(otlpSpan)).event);
    expect(out.ok && out.usage.tokens).toMatchObject({ input: 176, cached_input: 1024, output: 276, reasoning: 64, total: 1540 });
  });

  it('status code 2 (ERROR) makes an error event, with error.type', () => {
    const span = {
      ...otlpSpan,
      status: { code: 2, message: 'Rate limit reached' },
      attributes: [...otlpSpan.attributes.filter((a) => !a.key.startsWith('gen_ai.usage')), { key: 'error.type', value: { stringValue: '429' } }],
    };
    const out = ok(parseEvent(span));
    expect(out.event).toMatchObject({ status: 'error', error_type: '429', usage: {} });
    expect(ok(parseEvent({ ...otlpSpan, status: { code: 'STATUS_CODE_ERROR' } })).event.status).toBe('error');
  });

  it('maps provider names through the alias table (gen_ai.system and the newer gen_ai.provider.name)', () => {
    const attrs = (provider: Record<string, string>) => ({ attributes: { ...provider, 'gen_ai.request.model': 'm' } });
    expect(ok(parseEvent(attrs({ 'gen_ai.system': 'aws.bedrock' }))).event.provider).toBe('bedrock');
    expect(ok(parseEvent(attrs({ 'gen_ai.provider.name': 'gcp.vertex_ai', 'gen_ai.system': 'openai' }))).event.provider).toBe('vertex_ai');
    expect(ok(parseEvent(attrs({ 'gen_ai.provider.name': 'azure.ai.openai' }))).event.provider).toBe('azure');
    expect(ok(parseEvent(attrs({ 'gen_ai.provider.name': 'x_ai' }))).event.provider).toBe('xai');
    expect(ok(parseEvent(attrs({ 'gen_ai.provider.name': 'some.new.vendor' }))).event.provider).toBe('some.new.vendor');
  });

  it('falls back to gen_ai.request.model, enduser.id and resource attributes', () => {
    const out = ok(
      parseEvent({
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'tutor' } }, { key: 'tenant', value: { stringValue: 'globex' } }] },
        attributes: { 'gen_ai.system': 'anthropic', 'gen_ai.request.model': 'claude-3-haiku-20240307', 'enduser.id': 'e-1' },
      }),
    );
    expect(out.event).toMatchObject({ provider: 'anthropic', model: 'claude-3-haiku-20240307', user_id: 'e-1', tenant: 'globex' });
    expect(out.event.extra).toEqual({ otel_attributes: { 'service.name': 'tutor' } });
  });

  it('names problems where they are in the span', () => {
    expect(errors(parseEvent({ attributes: { 'gen_ai.system': 'openai' } }))).toEqual([{ path: 'attributes["gen_ai.request.model"]', reason: 'is required' }]);
    expect(errors(parseEvent({ attributes: { 'gen_ai.request.model': 7 } }))).toEqual([{ path: 'attributes["gen_ai.request.model"]', reason: 'must be a string (got 7)' }]);
    expect(errors(parseEvent({ attributes: [{ value: {} }] }))).toEqual([{ path: 'attributes[0]', reason: 'must be an OTLP attribute {"key": "…", "value": {…}}' }]);
    expect(errors(parseEvent({ attributes: { 'gen_ai.request.model': 'm' }, startTimeUnixNano: 'soon' }))[0]?.path).toBe('startTimeUnixNano');
    expect(errors(parseEvent({ attributes: { 'gen_ai.request.model': 'm' }, startTimeUnixNano: '20', endTimeUnixNano: '10' }))).toEqual([
      { path: 'endTimeUnixNano', reason: 'is before startTimeUnixNano' },
    ]);
  });
});

describe('OpenTelemetry GenAI envelope: a flat attribute map', () => {
  it('maps a flat map of gen_ai.* attributes', () => {
    const out = ok(
      parseEvent({
        'gen_ai.system': 'anthropic',
        'gen_ai.request.model': 'claude-sonnet-4-5',
        'gen_ai.usage.input_tokens': 2316,
        'gen_ai.usage.cache_read.input_tokens': 2048,
        'gen_ai.usage.cache_creation.input_tokens': 248,
        'gen_ai.usage.output_tokens': 393,
        'tenant': 'acme',
        'tally.occurred_at': '2026-01-31T12:00:00Z',
        'deployment.environment': 'prod',
      }),
    );
    expect(out.envelope).toBe('otel');
    expect(out.event).toMatchObject({ provider: 'anthropic', model: 'claude-sonnet-4-5', tenant: 'acme', occurred_at: '2026-01-31T12:00:00Z', status: 'ok' });
    expect(out.event.extra).toEqual({ otel_attributes: { 'deployment.environment': 'prod' } });
    const usage = normalizeUsage(out.event);
    expect(usage.ok && usage.usage.tokens).toMatchObject({ input: 20, cached_input: 2048, cache_write_5m: 248, output: 393 });
  });

  it('names a bad flat attribute by its key', () => {
    expect(errors(parseEvent({ 'gen_ai.request.model': 'm', 'tally.tool_calls': -1 }))).toEqual([{ path: '["tally.tool_calls"]', reason: 'must not be negative' }]);
  });
});
