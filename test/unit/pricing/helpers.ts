import { emptyTokens, withTotal, type NormalizedUsage } from '../../../src/normalize/types.js';
import { INPUT_CLASSES, type TokenClass } from '../../../src/core/classes.js';

export type TokenInput = Partial<Record<TokenClass, number>>;

export interface UsageExtras {
  requests?: number;
  tool_calls?: number;
  web_search_requests?: number;
  images?: number;
  audio_seconds?: number;
  prompt_tokens?: number;
  reported_cost?: string | null;
}

/** A canonical NormalizedUsage; prompt_tokens defaults to the sum of the input-side classes. */
export function usage(tokens: TokenInput, extras: UsageExtras = {}): NormalizedUsage {
  const t = withTotal({ ...emptyTokens(), ...tokens });
  let prompt = 0;
  for (const c of INPUT_CLASSES) prompt += t[c];
  return {
    shape: 'canonical',
    tokens: t,
    requests: extras.requests ?? 1,
    tool_calls: extras.tool_calls ?? 0,
    web_search_requests: extras.web_search_requests ?? 0,
    images: extras.images ?? 0,
    audio_seconds: extras.audio_seconds ?? 0,
    prompt_tokens: extras.prompt_tokens ?? prompt,
    reported_cost: extras.reported_cost ?? null,
    unknown_fields: [],
  };
}
