/**
 * Reads LiteLLM's `model_prices_and_context_window.json` format as is and
 * turns each entry into a tally model (ModelSpec), so it goes through the
 * same compilation, exactness checks and override rules as tally's own
 * format. Values are read from their decimal text (src/core/lossless-json.ts).
 *
 * Field → tally class (USD per token unless said otherwise):
 *   input_cost_per_token → input            output_cost_per_token → output
 *   cache_read_input_token_cost → cached_input
 *   cache_creation_input_token_cost → cache_write_5m
 *   cache_creation_input_token_cost_above_1hr → cache_write_1h
 *   output_cost_per_reasoning_token → reasoning
 *   input_cost_per_audio_token → audio_input  output_cost_per_audio_token → audio_output
 *   input_cost_per_image_token → image_input  output_cost_per_image_token → image_output
 *   <field>_above_<N>k_tokens → a tier above N×1000 prompt tokens
 *   <field>_batches → batch price; <field>_flex / <field>_priority → service tier
 *   output_cost_per_image → unit `image` (input_cost_per_image too, for image-generation modes)
 *   input_cost_per_second (else output_cost_per_second) → unit `audio_second`
 *   input_cost_per_request, input_cost_per_query (rerank) → unit `request`
 *   search_context_cost_per_query.search_context_size_medium → unit `web_search`
 * Keys it does not price (max_tokens, supports_*, sample_spec, …) are ignored;
 * price-like keys it does not understand are listed in the warnings.
 */
import { parseScaled } from '../core/money.js';
import type { ModelSpec, PriceSpec, RateSetSpec, TierSpec } from './catalog-schema.js';
import type { CatalogSource } from './catalog.js';
import { JsonNumber, isLosslessObject, type LosslessJson, type LosslessObject } from '../core/lossless-json.js';
import { canonicalProvider, familyOfModelName, providerOfSegment } from './providers.js';
import { priceFileError } from './rates.js';
import { type TokenClass } from '../core/classes.js';

export interface LiteLlmImportOptions {
  /** When the imported prices take effect; LiteLLM entries carry no date. Default: the beginning of time (`1970-01-01`). */
  readonly effectiveFrom?: string;
}

const TOKEN_FIELDS: Readonly<Record<string, TokenClass>> = {
  input_cost_per_token: 'input',
  output_cost_per_token: 'output',
  cache_read_input_token_cost: 'cached_input',
  cache_creation_input_token_cost: 'cache_write_5m',
  cache_creation_input_token_cost_above_1hr: 'cache_write_1h',
  output_cost_per_reasoning_token: 'reasoning',
  input_cost_per_audio_token: 'audio_input',
  output_cost_per_audio_token: 'audio_output',
  input_cost_per_image_token: 'image_input',
  output_cost_per_image_token: 'image_output',
};

const UNIT_FIELDS = new Set(['output_cost_per_image', 'input_cost_per_image', 'input_cost_per_second', 'output_cost_per_second', 'input_cost_per_request', 'input_cost_per_query', 'search_context_cost_per_query']);
const TIER_RE = /^(.+)_above_(\d+)k_tokens$/;
const SUFFIX_RE = /^(.+)_(batches|flex|priority)$/;
const IMAGE_MODES = new Set(['image_generation', 'image_edit']);
const DECIMAL_TEXT_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Whether a parsed JSON document looks like LiteLLM's price map. */
export function isLiteLlmDocument(doc: LosslessJson): boolean {
  if (!isLosslessObject(doc) || 'format' in doc) return false;
  return Object.values(doc).some(
    (v) => isLosslessObject(v) && ('litellm_provider' in v || 'input_cost_per_token' in v || 'output_cost_per_token' in v),
  );
}

function providerOf(key: string, entry: LosslessObject): string | undefined {
  const raw = entry['litellm_provider'];
  if (typeof raw === 'string' && raw.trim()) {
    const p = raw.trim().toLowerCase();
    if (p.startsWith('vertex_ai')) return 'vertex_ai';
    return canonicalProvider(p);
  }
  const slash = key.indexOf('/');
  if (slash > 0) {
    const p = providerOfSegment(key.slice(0, slash).toLowerCase());
    if (p) return p;
  }
  return familyOfModelName(key.toLowerCase());
}

function modelNameOf(key: string, provider: string, entry: LosslessObject): string {
  const name = key.trim().toLowerCase();
  const slash = name.indexOf('/');
  if (slash <= 0) return name;
  const first = name.slice(0, slash);
  const raw = typeof entry['litellm_provider'] === 'string' ? entry['litellm_provider'].toLowerCase() : '';
  const segProvider = providerOfSegment(first);
  if (first === raw || first === provider || (segProvider !== undefined && segProvider === provider)) return name.slice(slash + 1);
  return name;
}

interface Collected {
  base: Record<string, string>;
  tiers: Map<number, Record<string, string>>;
  suffixed: Record<'batches' | 'flex' | 'priority', Record<string, string>>;
  units: Record<string, string>;
}

export interface LiteLlmConversion {
  readonly source: CatalogSource;
  /** How many entries were skipped because they carry no price tally uses. */
  readonly skipped: number;
}

/** Converts a parsed LiteLLM price map into tally models. `file` is named in errors and warnings. */
export function fromLiteLlm(doc: LosslessObject, file: string, options: LiteLlmImportOptions = {}): LiteLlmConversion {
  const effective = options.effectiveFrom ?? '1970-01-01';
  const models: ModelSpec[] = [];
  const keys = new Map<string, string>();
  const ignoredFields = new Map<string, number>();
  const warnings: string[] = [];
  let skipped = 0;

  for (const [rawKey, value] of Object.entries(doc)) {
    if (rawKey === 'sample_spec' || !isLosslessObject(value)) continue;
    const provider = providerOf(rawKey, value);
    if (!provider) {
      skipped++;
      warnings.push(`${file}: ${rawKey}: no litellm_provider and none can be inferred; skipped`);
      continue;
    }
    const model = modelNameOf(rawKey, provider, value);
    const key = `${provider}/${model}`;
    const ctx = { file, model: rawKey };
    const decimal = (field: string, v: LosslessJson): string => {
      const text = v instanceof JsonNumber ? v.text : typeof v === 'string' ? v.trim() : undefined;
      if (text === undefined || !DECIMAL_TEXT_RE.test(text)) throw priceFileError(ctx, field, 'must be a decimal number');
      let scaled: bigint;
      try {
        scaled = parseScaled(text, 15, field);
      } catch (err) {
        throw priceFileError(ctx, field, `${text} is not exact in femto-USD (at most 15 decimals of USD)`, err);
      }
      if (scaled < 0n) throw priceFileError(ctx, field, 'must not be negative');
      return text;
    };

    const c: Collected = { base: {}, tiers: new Map(), suffixed: { batches: {}, flex: {}, priority: {} }, units: {} };
    const mode = typeof value['mode'] === 'string' ? value['mode'] : '';
    for (const [field, v] of Object.entries(value)) {
      if (v === null) continue;
      const cls = TOKEN_FIELDS[field];
      if (cls) {
        c.base[cls] = decimal(field, v);
        continue;
      }
      const tier = TIER_RE.exec(field);
      const tierCls = tier?.[1] ? TOKEN_FIELDS[tier[1]] : undefined;
      if (tier?.[2] && tierCls) {
        const above = Number(tier[2]) * 1000;
        const set = c.tiers.get(above) ?? {};
        set[tierCls] = decimal(field, v);
        c.tiers.set(above, set);
        continue;
      }
      const suffixed = SUFFIX_RE.exec(field);
      const sufCls = suffixed?.[1] ? TOKEN_FIELDS[suffixed[1]] : undefined;
      if (suffixed?.[2] && sufCls) {
        c.suffixed[suffixed[2] as 'batches' | 'flex' | 'priority'][sufCls] = decimal(field, v);
        continue;
      }
      if (UNIT_FIELDS.has(field)) {
        if (field === 'search_context_cost_per_query') {
          if (isLosslessObject(v) && v['search_context_size_medium'] !== undefined && v['search_context_size_medium'] !== null) {
            c.units['web_search'] = decimal(`${field}.search_context_size_medium`, v['search_context_size_medium']);
          }
        } else {
          c.units[field] = decimal(field, v);
        }
        continue;
      }
      if (/cost/.test(field)) ignoredFields.set(field, (ignoredFields.get(field) ?? 0) + 1);
    }

    const units: NonNullable<RateSetSpec['units']> = {};
    const image = c.units['output_cost_per_image'] ?? (IMAGE_MODES.has(mode) ? c.units['input_cost_per_image'] : undefined);
    if (image !== undefined) units.image = image;
    const second = c.units['input_cost_per_second'] ?? c.units['output_cost_per_second'];
    if (second !== undefined) units.audio_second = second;
    const request = c.units['input_cost_per_request'] ?? c.units['input_cost_per_query'];
    if (request !== undefined) units.request = request;
    if (c.units['web_search'] !== undefined) units.web_search = c.units['web_search'];

    const hasTokens = Object.keys(c.base).length > 0;
    const hasUnits = Object.keys(units).length > 0;
    if (!hasTokens && !hasUnits) {
      skipped++;
      continue;
    }
    const previous = keys.get(key);
    if (previous !== undefined) {
      warnings.push(`${file}: ${rawKey} and ${previous} both mean ${key}; kept ${previous}`);
      continue;
    }
    keys.set(key, rawKey);

    const price: PriceSpec = {
      effective_from: effective,
      source: `${file} (LiteLLM format, entry "${rawKey}")`,
      ...(hasTokens ? { per_token: c.base } : {}),
      ...(hasUnits ? { units } : {}),
    };
    if (c.tiers.size > 0) {
      price.tiers = [...c.tiers.entries()].map(([above, set]): TierSpec => ({ above_prompt_tokens: above, per_token: set }));
    }
    const batches = c.suffixed.batches;
    if (Object.keys(batches).length > 0) {
      price.batch = { per_token: batches };
      if (isHalf(batches['input'], c.base['input']) && isHalf(batches['output'], c.base['output'])) price.batch_discount = '0.5';
    }
    const service: NonNullable<PriceSpec['service_tiers']> = {};
    if (Object.keys(c.suffixed.flex).length > 0) service['flex'] = { per_token: c.suffixed.flex };
    if (Object.keys(c.suffixed.priority).length > 0) service['priority'] = { per_token: c.suffixed.priority };
    if (Object.keys(service).length > 0) price.service_tiers = service;

    models.push({ key, prices: [price] });
  }

  for (const [field, count] of [...ignoredFields.entries()].sort()) {
    warnings.push(`${file}: field ${field} is not priced by tally (${count} ${count === 1 ? 'entry' : 'entries'})`);
  }
  return { source: { name: file, models, warnings }, skipped };
}

/** Whether `half` is exactly half of `full` (both decimal text). */
function isHalf(half: string | undefined, full: string | undefined): boolean {
  if (half === undefined || full === undefined) return false;
  const h = parseScaled(half, 15);
  const f = parseScaled(full, 15);
  return f > 0n && h * 2n === f;
}
