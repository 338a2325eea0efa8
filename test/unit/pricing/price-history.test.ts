/**
 * Issue #11 item 7: dated price history where a provider changed a price.
 * Claude 3.5 Haiku launched on 2024-11-04 at $1 / $5 per million input /
 * output tokens (https://www.anthropic.com/claude/haiku at launch; cache
 * writes $1.25, cache reads $0.10) and was cut to $0.80 / $4 "across all
 * platforms" on 2024-12-03 (https://www.anthropic.com/news/trainium2-and-distillation;
 * cache writes $1, reads $0.08). Read as of 2025; this machine cannot reach
 * the pages to check again. Bedrock and Vertex AI resell it at Anthropic's
 * list price, so their entries carry the same history.
 */
import { describe, expect, it } from 'vitest';
import { formatUsd } from '../../../src/core/money.js';
import { loadCatalog } from '../../../src/pricing/price-files.js';
import { createPricer } from '../../../src/pricing/pricer.js';
import { usage } from './helpers.js';

const pricer = createPricer(loadCatalog());
// A realistic Claude 3.5 Haiku call: 3,000 input tokens, 20,000 read from the cache, 400 output tokens.
const u = usage({ input: 3_000, cached_input: 20_000, output: 400 });

describe('Claude 3.5 Haiku: $1/$5 at launch, $0.80/$4 from 2024-12-03', () => {
  it.each([
    ['anthropic', 'claude-3-5-haiku-20241022'],
    ['bedrock', 'us.anthropic.claude-3-5-haiku-20241022-v1:0'],
    ['vertex_ai', 'claude-3-5-haiku@20241022'],
  ])('%s %s', (provider, model) => {
    const launch = pricer.price({ provider, model, occurredAt: '2024-11-20T10:00:00Z', usage: u });
    // 3,000 × $1/M + 20,000 × $0.10/M + 400 × $5/M = 0.003 + 0.002 + 0.002
    expect(formatUsd(launch.total)).toBe('0.007');
    expect(launch.price_version).toMatch(/@2024-11-04$/);
    const cut = pricer.price({ provider, model, occurredAt: '2024-12-03T00:00:00Z', usage: u });
    // 3,000 × $0.80/M + 20,000 × $0.08/M + 400 × $4/M = 0.0024 + 0.0016 + 0.0016
    expect(formatUsd(cut.total)).toBe('0.0056');
    expect(cut.price_version).toMatch(/@2024-12-03$/);
  });
});
