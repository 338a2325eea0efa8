/**
 * The counter source's query objects (what reconcile rebuilds counters from)
 * pin their SQL text; values are always parameters.
 */
import { describe, expect, it } from 'vitest';
import { dimensionExpr, globToRe2, maxOffsetsQuery, sumsQuery, tenantsQuery } from '../../../src/store/queries/counter-source.js';

const SUMS_COLUMNS = `    intDiv(toUnixTimestamp64Milli(occurred_at) - {from_ms:Int64}, {step:Int64}) AS bucket,
    toString(sumIf(toDecimal256(cost_total, 15), sign = 1)) AS cost,
    toString(sumIf(toDecimal256(price_total, 15), sign = 1)) AS price,
    toString(sumIf(toUInt128(total_tokens), sign = 1)) AS tokens,
    toString(sumIf(toUInt128(requests), sign = 1)) AS requests,
    toString(sumIf(toUInt128(input_tokens), sign = 1)) AS t_input,
    toString(sumIf(toUInt128(cached_input_tokens), sign = 1)) AS t_cached_input,
    toString(sumIf(toUInt128(cache_write_5m_tokens), sign = 1)) AS t_cache_write_5m,
    toString(sumIf(toUInt128(cache_write_1h_tokens), sign = 1)) AS t_cache_write_1h,
    toString(sumIf(toUInt128(output_tokens), sign = 1)) AS t_output,
    toString(sumIf(toUInt128(reasoning_tokens), sign = 1)) AS t_reasoning,
    toString(sumIf(toUInt128(audio_input_tokens), sign = 1)) AS t_audio_input,
    toString(sumIf(toUInt128(audio_output_tokens), sign = 1)) AS t_audio_output,
    toString(sumIf(toUInt128(image_input_tokens), sign = 1)) AS t_image_input,
    toString(sumIf(toUInt128(image_output_tokens), sign = 1)) AS t_image_output`;

const FENCE_CUT =
  "(source_topic = '' OR (indexOf(arrayZip({fence_topics:Array(String)}, {fence_partitions:Array(Int32)}), (source_topic, source_partition)) AS fence_at) > 0 AND source_offset <= arrayElement({fence_offsets:Array(Int64)}, fence_at))";

describe('counter source query objects', () => {
  it('pins the sums SQL: FINAL, bound values only, literal / each / pattern dimensions, fence cut, cancelled groups kept', () => {
    const q = sumsQuery({
      tenant: "acme'; DROP TABLE x --",
      from: Date.parse('2026-03-01T05:00:00Z'),
      to: Date.parse('2026-04-01T04:00:00Z'),
      step: 2_674_800_000,
      dims: [
        { dim: 'user_id', kind: 'each', value: '*' },
        { dim: 'model', kind: 'pattern', value: 'openai/gpt-4o*' },
        { dim: 'agent', kind: 'literal', value: 'triage' },
      ],
      fence: [{ topic: 'usage.raw', partition: 3, offset: '41' }],
    });
    expect(q.sql).toBe(`/* tally:counters.sums */
SELECT
    user_id AS d_user_id,
${SUMS_COLUMNS}
FROM usage_events FINAL
WHERE occurred_at >= {from:DateTime64(3, 'UTC')}
  AND occurred_at < {to:DateTime64(3, 'UTC')}
  AND tenant = {tenant:String}
  AND user_id != ''
  AND match(if(model_key != '', model_key, model), {re_model:String})
  AND agent = {f_agent:String}
  AND ${FENCE_CUT}
GROUP BY d_user_id, bucket`);
    expect(q.params).toEqual({
      from: '2026-03-01 05:00:00.000', to: '2026-04-01 04:00:00.000', from_ms: Date.parse('2026-03-01T05:00:00Z'), step: 2_674_800_000,
      fence_topics: ['usage.raw'], fence_partitions: [3], fence_offsets: [41n],
      tenant: "acme'; DROP TABLE x --", re_model: '^openai/gpt-4o.*$', f_agent: 'triage',
    });
  });

  it('pins the sums SQL of a global scope: no tenant filter, several each dimensions, the counted model, an empty fence', () => {
    const q = sumsQuery({
      tenant: null,
      from: 0,
      to: 3_600_000,
      step: 60_000,
      dims: [
        { dim: 'group', kind: 'each', value: '*' },
        { dim: 'model', kind: 'each', value: '*' },
        { dim: 'api_key_id', kind: 'literal', value: 'k-1' },
      ],
      fence: [],
    });
    expect(q.sql).toBe(`/* tally:counters.sums */
SELECT
    group_id AS d_group,
    if(model_key != '', model_key, model) AS d_model,
${SUMS_COLUMNS}
FROM usage_events FINAL
WHERE occurred_at >= {from:DateTime64(3, 'UTC')}
  AND occurred_at < {to:DateTime64(3, 'UTC')}
  AND group_id != ''
  AND if(model_key != '', model_key, model) != ''
  AND api_key_id = {f_api_key_id:String}
  AND ${FENCE_CUT}
GROUP BY d_group, d_model, bucket`);
    expect(q.params).toEqual({
      from: '1970-01-01 00:00:00.000', to: '1970-01-01 01:00:00.000', from_ms: 0, step: 60_000,
      fence_topics: [], fence_partitions: [], fence_offsets: [], f_api_key_id: 'k-1',
    });
  });

  it('reads each scope dimension from its column; the model is the counted model', () => {
    expect(['tenant', 'user_id', 'group', 'model', 'provider', 'agent', 'feature', 'api_key_id'].map((d) => dimensionExpr(d as Parameters<typeof dimensionExpr>[0]))).toEqual([
      'tenant', 'user_id', 'group_id', "if(model_key != '', model_key, model)", 'provider', 'agent', 'feature', 'api_key_id',
    ]);
  });

  it('pins the max offsets SQL, for one tenant and for all', () => {
    expect(maxOffsetsQuery('acme')).toEqual({
      sql: `/* tally:counters.max_offsets */
SELECT source_topic AS topic, source_partition AS partition, toString(max(source_offset)) AS max_offset
FROM usage_events
WHERE source_topic != ''
  AND tenant = {tenant:String}
GROUP BY source_topic, source_partition
ORDER BY source_topic, source_partition`,
      params: { tenant: 'acme' },
    });
    expect(maxOffsetsQuery(null)).toEqual({
      sql: `/* tally:counters.max_offsets */
SELECT source_topic AS topic, source_partition AS partition, toString(max(source_offset)) AS max_offset
FROM usage_events
WHERE source_topic != ''
GROUP BY source_topic, source_partition
ORDER BY source_topic, source_partition`,
      params: {},
    });
  });

  it('pins the tenants SQL', () => {
    expect(tenantsQuery(0, 86_400_000)).toEqual({
      sql: `/* tally:counters.tenants */
SELECT DISTINCT tenant
FROM usage_events
WHERE occurred_at >= {from:DateTime64(3, 'UTC')}
  AND occurred_at < {to:DateTime64(3, 'UTC')}
ORDER BY tenant`,
      params: { from: '1970-01-01 00:00:00.000', to: '1970-01-02 00:00:00.000' },
    });
  });

  it('turns globs into anchored RE2 with every metacharacter escaped', () => {
    expect(globToRe2('openai/gpt-4o*')).toBe('^openai/gpt-4o.*$');
    expect(globToRe2('a.b+(c)*[d]')).toBe('^a\\.b\\+\\(c\\).*\\[d\\]$');
    expect(new RegExp(globToRe2('*claude-3.5*')).test('anthropic/claude-3.5-sonnet')).toBe(true);
    expect(new RegExp(globToRe2('*claude-3.5*')).test('anthropic/claude-3x5')).toBe(false);
  });
});
