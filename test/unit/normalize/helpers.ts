import { expect } from 'vitest';
import type { FieldError } from '../../../src/core/errors.js';
import type { UsageEvent } from '../../../src/events/schema.js';
import { normalizeUsage } from '../../../src/normalize/index.js';
import type { NormalizedUsage, TokenCounts } from '../../../src/normalize/types.js';

/** A validated event around a usage object. */
export function event(usage: Record<string, unknown>, extra: Partial<UsageEvent> = {}): UsageEvent {
  return { model: 'gpt-4o', provider: 'openai', tenant: 'acme', status: 'ok', usage, ...extra };
}

/** Normalizes and fails the test when the usage is rejected. */
export function ok(usage: Record<string, unknown>, extra: Partial<UsageEvent> = {}): NormalizedUsage {
  const out = normalizeUsage(event(usage, extra));
  if (!out.ok) throw new Error(`expected ok, got ${JSON.stringify(out.errors)}`);
  return out.usage;
}

/** Normalizes and returns the errors; fails the test when the usage is accepted. */
export function errors(usage: Record<string, unknown>, extra: Partial<UsageEvent> = {}): FieldError[] {
  const out = normalizeUsage(event(usage, extra));
  if (out.ok) throw new Error(`expected errors, got ${JSON.stringify(out.usage)}`);
  return out.errors;
}

const ZERO: Omit<TokenCounts, 'total'> = {
  input: 0, cached_input: 0, cache_write_5m: 0, cache_write_1h: 0, output: 0, reasoning: 0,
  audio_input: 0, audio_output: 0, image_input: 0, image_output: 0,
};

/** Expects exactly these non-zero classes (others zero) and total = their sum. */
export function expectTokens(usage: NormalizedUsage, classes: Partial<Omit<TokenCounts, 'total'>>): void {
  const want = { ...ZERO, ...classes };
  const total = Object.values(want).reduce((a, b) => a + b, 0);
  expect(usage.tokens).toEqual({ ...want, total });
}
