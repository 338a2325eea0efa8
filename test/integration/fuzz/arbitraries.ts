/**
 * What the ingest fuzz suite sends: one NDJSON line per case, drawn from
 *
 *   - the event schema: v1 events (and the same inside CloudEvents and as
 *     OpenTelemetry GenAI attributes) built from valid values, edges of the
 *     limits included, then broken in zero to two fields with a hostile
 *     value — strings with lone UTF-16 surrogates, past a length limit, of
 *     another type; counts past the maximum, 2^32 and 2^53, negative,
 *     fractional; costs past $10^9 or Decimal(38, 15) or finer than a
 *     femto-dollar; times past 2105, more than 24 h ahead or older than
 *     retention; usage objects of every shape with hostile counts;
 *   - the JSON grammar: any JSON value (fc.json), and JSON text cut or
 *     spliced into something that is not JSON.
 *
 * Nesting: unknown fields up to 4 levels, and (unless
 * `TALLY_FUZZ_DEEP_NESTING=0`) around the 64-level bound and up to 6,000
 * levels (issue #10 item 5: refused alone, on its path). Duplicate keys (item 7) are
 * generated: the property here (202 and stored once, or 4xx naming a field)
 * holds whether the last key wins or the line is refused.
 */
import fc from 'fast-check';

/** Any UTF-16 code unit, lone surrogates included, weighted towards the ones that matter. */
const codeUnit: fc.Arbitrary<string> = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) },
  { weight: 1, arbitrary: fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)) },
  { weight: 1, arbitrary: fc.constantFrom('😀', 'é', '\u0000', '"', '\\', '\u2028') },
);
const anyString = (maxLength: number): fc.Arbitrary<string> => fc.string({ unit: codeUnit, maxLength });

// ---- valid values, edges included ----------------------------------------

const validText = (limit: number): fc.Arbitrary<string> =>
  fc.oneof({ weight: 30, arbitrary: fc.string({ minLength: 1, maxLength: 10 }) }, { weight: 1, arbitrary: fc.constantFrom('x'.repeat(limit), 'ünïcødé ✓', 'emoji 😀', 'tab\there', "it's \"quoted\"") });
const validCount = fc.oneof({ weight: 10, arbitrary: fc.nat({ max: 5_000 }) }, { weight: 1, arbitrary: fc.constantFrom(0, 1_000_000) });
const validTokens = fc.oneof({ weight: 20, arbitrary: fc.nat({ max: 200_000 }) }, { weight: 1, arbitrary: fc.constantFrom(0, 1_000_000_000, 4_000_000_000) });
const validSeconds = fc.oneof({ weight: 10, arbitrary: fc.double({ min: 0, max: 100_000, noNaN: true }) }, { weight: 1, arbitrary: fc.constantFrom(0, 10_000_000, 0.001) });
const validCost = fc.oneof(
  fc.nat({ max: 10_000_000 }).map((n) => `${Math.floor(n / 1000)}.${String(n % 1000).padStart(3, '0')}`),
  fc.double({ min: 0, max: 1000, noNaN: true }),
  fc.constantFrom('0', '0.000000000000001', '1e-7', '1000000000', 1e9),
);
function validTime(now: number): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 10, arbitrary: fc.integer({ min: -20 * 86_400_000, max: 3_600_000 }).map((d) => new Date(now + d).toISOString()) },
    { weight: 1, arbitrary: fc.integer({ min: -86_400_000, max: 0 }).map((d) => new Date(now + d).toISOString().replace('Z', '+05:30')) },
  );
}

const PROVIDERS = ['openai', 'anthropic', 'gemini', 'bedrock', 'openrouter', 'mistral', 'acme'];
const MODELS = ['gpt-4o', 'gpt-4o-mini', 'claude-3-haiku-20240307', 'claude-3-5-sonnet-20241022', 'gemini-2.0-flash', 'whisper-1', 'unknown-model-x'];

const validUsage: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  fc.record({ prompt_tokens: validTokens, completion_tokens: validTokens }).map((u) => ({ ...u, prompt_tokens_details: { cached_tokens: Math.floor(u.prompt_tokens / 2) } })),
  fc.record({ input_tokens: validTokens, output_tokens: validTokens, cache_read_input_tokens: validTokens }),
  fc.record({ promptTokenCount: validTokens, candidatesTokenCount: validTokens, thoughtsTokenCount: validTokens }),
  fc.record({ input: validTokens, output: validTokens, tool_calls: validCount, cost: validCost }, { requiredKeys: ['input'] }),
  fc.record({ type: fc.constant('duration'), seconds: validSeconds }),
  fc.constant({}),
);

// ---- hostile values -------------------------------------------------------

const hostileText = (limit: number): fc.Arbitrary<unknown> =>
  fc.oneof(
    fc.constantFrom('', 'x'.repeat(limit + 1), 'a\ud800b', 'x\udc00', '\ud83d', 7, true, null, [], {}),
    anyString(12).filter((s) => /[\ud800-\udfff]/.test(s)),
  );
const hostileCount = fc.constantFrom(1_000_001, 4_294_967_295, 4_294_967_296, 2 ** 32 + 5, 2 ** 53 - 1, 2 ** 53, 1e21, 1e308, -1, 0.5, '123', '12a', '', null, true, [], {});
const hostileTokens = fc.constantFrom(10_000_000_001, 2 ** 53 - 1, 2 ** 53, '9007199254740993', 1e308, -5, 1.5, 'many', null);
const hostileSeconds = fc.constantFrom(1e7 + 1, 1e9 + 1, 1e16, 1e300, -1, '3', null, []);
const hostileCost = fc.constantFrom('0.0000000000000001', 1e-16, '1000000000.000000000000001', 1e9 + 1, '1e30', 1e30, '1e400', '-1', -0.5, 'abc', '1.', null, {});
const hostileTime = fc.constantFrom(
  '1970-01-01T00:00:00Z', '1969-12-31T23:59:59Z', '2106-01-01T00:00:00Z', '2120-01-01T00:00:00Z', '2200-06-01T00:00:00Z', '2299-12-31T23:59:59Z',
  '0099-12-01T00:00:00Z', '2026-02-30T00:00:00Z', '2026-01-01T24:00:00Z', '2026-01-01T00:00:00', '2000-01-01T00:00:00Z', 'yesterday', '', 17_000_000,
);
const hostileUsage: fc.Arbitrary<unknown> = fc.oneof(
  fc.record({ prompt_tokens: hostileTokens, completion_tokens: validTokens }),
  fc.record({ input_tokens: validTokens, output_tokens: hostileTokens }),
  fc.record({ input: validTokens, tool_calls: hostileCount }),
  fc.record({ input: validTokens, images: hostileCount, requests: hostileCount }, { requiredKeys: ['input'] }),
  fc.record({ input_tokens: validTokens, output_tokens: validTokens, server_tool_use: fc.record({ web_search_requests: hostileCount }) }),
  fc.record({ prompt_tokens: validTokens, completion_tokens: validTokens, cost: hostileCost }),
  fc.record({ type: fc.constant('duration'), seconds: hostileSeconds }),
  fc.record({ prompt_tokens: fc.constant(10), prompt_tokens_details: fc.record({ cached_tokens: fc.constant(20) }) }),
  fc.dictionary(anyString(6), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 }),
  fc.constantFrom('usage', 5, null, []),
);

/** A hostile value for each field of the event. */
function hostileFields(): Record<string, fc.Arbitrary<unknown>> {
  return {
    event_id: fc.constantFrom('has space', 'x'.repeat(129), 'ключ', '', 5),
    occurred_at: hostileTime,
    received_at: hostileTime,
    tenant: hostileText(256),
    user_id: hostileText(256),
    group: hostileText(256),
    session_id: hostileText(256),
    agent: hostileText(256),
    feature: hostileText(256),
    request_id: hostileText(256),
    api_key_id: hostileText(256),
    provider: hostileText(64),
    model: hostileText(256),
    usage: hostileUsage,
    audio_seconds: hostileSeconds,
    tool_calls: hostileCount,
    images: hostileCount,
    web_search_requests: hostileCount,
    batch: fc.constantFrom('yes', 1, null),
    service_tier: hostileText(64),
    status: fc.constantFrom('done', '', 1, null),
    error_type: hostileText(128),
    duration_ms: hostileSeconds,
    ttft_ms: hostileSeconds,
    cost: hostileCost,
    metadata: fc.oneof(
      fc.constantFrom(null, 'tags', [], { team: 7 }, { '': 'v' }, { ['k'.repeat(129)]: 'v' }, { team: 'v'.repeat(1025) }, { team: 'a\ud800' }, { ['k\udfff']: 'v' }),
      fc.dictionary(fc.string({ minLength: 1, maxLength: 3 }), fc.constant('v'), { minKeys: 65, maxKeys: 66 }),
    ),
    extra: fc.constantFrom('not an object', 5, { note: 'x\ud800' }),
  };
}
const HOSTILE = hostileFields();
const FIELDS = Object.keys(HOSTILE);

/** Unknown top-level fields (kept in `extra`): any JSON, nested at most 4 levels unless deep nesting is asked for. */
function unknownFields(deep: boolean): fc.Arbitrary<Record<string, unknown>> {
  const value = deep
    ? fc.oneof(
        { weight: 20, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
        // Around the 64-level bound (the event is level 1, an unknown field level 2), and far beyond it.
        // A marker, expanded to n nested arrays in the JSON text (withIds): a replacer over 6,000 levels would overflow the stack here.
        { weight: 2, arbitrary: fc.integer({ min: 58, max: 70 }).map(deepMarker) },
        { weight: 1, arbitrary: fc.integer({ min: 5_000, max: 6_000 }).map(deepMarker) },
      )
    : fc.jsonValue({ maxDepth: 2 });
  const fields = fc.dictionary(fc.oneof(fc.string({ maxLength: 8 }), anyString(6), fc.constant('__proto__')), value, { minKeys: 1, maxKeys: 2 });
  return fc.oneof({ weight: 4, arbitrary: fc.constant({}) }, { weight: 1, arbitrary: fields });
}

/** A v1 event: valid fields (each optional but model and usage), unknown fields, then 0–2 fields made hostile. */
function v1Event(now: number, deep: boolean): fc.Arbitrary<Record<string, unknown>> {
  const valid = fc.record(
    {
      event_id: fc.constant('UNIQUE'),
      occurred_at: validTime(now),
      received_at: validTime(now),
      tenant: fc.oneof({ weight: 8, arbitrary: fc.constantFrom('acme', 'globex', 'default') }, { weight: 1, arbitrary: validText(256) }),
      user_id: validText(256),
      group: validText(256),
      session_id: validText(256),
      agent: validText(256),
      feature: validText(256),
      request_id: validText(256),
      api_key_id: validText(256),
      provider: fc.constantFrom(...PROVIDERS),
      model: fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...MODELS) }, { weight: 1, arbitrary: validText(256) }),
      usage: validUsage,
      audio_seconds: validSeconds,
      tool_calls: validCount,
      images: validCount,
      web_search_requests: validCount,
      batch: fc.boolean(),
      service_tier: fc.constantFrom('flex', 'priority', 'x'.repeat(64)),
      status: fc.constantFrom('ok', 'error', 'cancelled'),
      error_type: validText(128),
      duration_ms: validSeconds,
      ttft_ms: validSeconds,
      cost: validCost,
      metadata: fc.dictionary(fc.string({ minLength: 1, maxLength: 10 }), fc.oneof({ weight: 20, arbitrary: fc.string({ maxLength: 20 }) }, { weight: 1, arbitrary: fc.constantFrom('😀', 'v'.repeat(1024)) }), { maxKeys: 3 }),
    },
    { requiredKeys: ['model', 'usage'] },
  );
  const hostile = fc.uniqueArray(fc.constantFrom(...FIELDS), { maxLength: 2 }).chain((names) =>
    names.length === 0 ? fc.constant({}) : fc.record(Object.fromEntries(names.map((n) => [n, HOSTILE[n] as fc.Arbitrary<unknown>]))),
  );
  // Half the events are valid throughout; the others have one or two hostile fields (or lack model or usage).
  return fc.tuple(valid, unknownFields(deep), fc.oneof(fc.constant({}), hostile), fc.constantFrom(null, null, null, null, null, null, 'model', 'usage')).map(([e, unknown, bad, drop]) => {
    const out: Record<string, unknown> = { ...unknown, ...e, ...bad };
    if (drop !== null) delete out[drop];
    return out;
  });
}

function cloudEvent(now: number, deep: boolean): fc.Arbitrary<Record<string, unknown>> {
  return fc
    .record({ data: v1Event(now, deep), id: fc.constant('UNIQUE'), source: fc.constantFrom('svc', ''), type: fc.constant('llm.usage'), time: fc.oneof(validTime(now), hostileTime), specversion: fc.constantFrom('1.0', '1.0', '1.0', '0.3') }, { requiredKeys: ['data', 'specversion', 'id'] })
    .map((ce) => {
      if (ce.data.event_id === 'UNIQUE') delete ce.data.event_id; // the CloudEvent id is the event id then
      return ce;
    });
}

function otelEvent(now: number): fc.Arbitrary<Record<string, unknown>> {
  const tokens = fc.oneof({ weight: 6, arbitrary: validTokens }, { weight: 1, arbitrary: hostileTokens });
  return fc.record(
    {
      'gen_ai.system': fc.constantFrom('openai', 'anthropic', 'aws.bedrock', '', 'x\ud800'),
      'gen_ai.request.model': fc.oneof(fc.constantFrom(...MODELS), hostileText(256)),
      'gen_ai.usage.input_tokens': tokens,
      'gen_ai.usage.output_tokens': tokens,
      'gen_ai.usage.cache_read.input_tokens': tokens,
      'tally.event_id': fc.constant('UNIQUE'),
      'tally.tenant': fc.constantFrom('acme', 'globex'),
      startTimeUnixNano: fc.oneof(fc.integer({ min: -86_400_000, max: 0 }).map((d) => `${BigInt(now + d) * 1_000_000n}`), fc.constantFrom('0', '99999999999999999999', 'abc', -5)),
    },
    { requiredKeys: ['gen_ai.request.model', 'tally.event_id'] },
  );
}

/** JSON text that is not quite JSON: cut short, spliced with a character, or any string. */
const brokenJson: fc.Arbitrary<string> = fc.oneof(
  fc.tuple(fc.json({ maxDepth: 2 }), fc.nat()).map(([t, n]) => t.slice(0, n % Math.max(1, t.length))),
  fc.tuple(fc.json({ maxDepth: 2 }), fc.nat(), fc.constantFrom('{', '}', '"', ',', ':', '\\', 'x', '\u0000', ']')).map(([t, n, c]) => t.slice(0, n % (t.length + 1)) + c + t.slice(n % (t.length + 1))),
  anyString(40),
  fc.constantFrom('{', '[', '{"model":', '{"model":"gpt-4o","usage":{}}}', '{"model":"gpt-4o","usage":{},"model":"x"}', 'null', 'true', '1', '"x"', '[]', '{}'),
);

export interface FuzzCase {
  /** What kind of input it is (for the report). */
  readonly kind: 'v1' | 'cloudevents' | 'otel' | 'json' | 'broken';
  /** The NDJSON line. */
  readonly line: string;
}

/** One NDJSON line: no raw line break inside (JSON text escapes them; broken text has them replaced). */
function oneLine(text: string): string {
  return text.replace(/[\r\n]/g, ' ');
}

let unique = 0;
function deepMarker(levels: number): string {
  return `__DEEP_${levels}__`;
}

/** Unique event ids, so that "stored exactly once" is checked per case: every `UNIQUE` placeholder becomes one. */
function withIds(value: unknown, prefix: string): string {
  const text = JSON.stringify(value, (_k, v: unknown) => (v === 'UNIQUE' ? `${prefix}-${unique++}` : v));
  return text.replace(/"__DEEP_(\d+)__"/g, (_m, n: string) => `${'['.repeat(Number(n))}${']'.repeat(Number(n))}`);
}

export function fuzzCase(now: number, prefix: string, options: { deepNesting: boolean }): fc.Arbitrary<FuzzCase> {
  const deep = options.deepNesting;
  return fc.oneof(
    { weight: 12, arbitrary: v1Event(now, deep).map((e): FuzzCase => ({ kind: 'v1', line: oneLine(withIds(e, prefix)) })) },
    { weight: 2, arbitrary: cloudEvent(now, deep).map((e): FuzzCase => ({ kind: 'cloudevents', line: oneLine(withIds(e, prefix)) })) },
    { weight: 2, arbitrary: otelEvent(now).map((e): FuzzCase => ({ kind: 'otel', line: oneLine(withIds(e, prefix)) })) },
    { weight: 1, arbitrary: fc.json({ maxDepth: 3, stringUnit: codeUnit }).map((t): FuzzCase => ({ kind: 'json', line: oneLine(t) })) },
    { weight: 1, arbitrary: brokenJson.map((t): FuzzCase => ({ kind: 'broken', line: oneLine(t) })) },
  );
}
