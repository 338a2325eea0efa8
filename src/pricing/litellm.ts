/**
 * Reads LiteLLM's `model_prices_and_context_window.json` format as is and
 * turns each entry into a tally model (ModelSpec), so it goes through the
 * same compilation and override rules as tally's own format. Values are read
 * from their decimal text (src/core/lossless-json.ts) and kept exact at
 * 10⁻³⁰ USD (fine.ts).
 *
 * One entry never sinks the file: an entry with a value tally cannot use
 * (not a decimal, negative, finer than 10⁻³⁰ USD), with prices only in keys
 * tally does not price, or that does not compile, is skipped alone and named
 * in the report with its reason; the rest is imported. Every price-carrying
 * key seen is reported: mapped, unsupported (with why) or informational.
 *
 * Field → tally (USD per token unless said otherwise; litellm-keys.ts):
 *   input/output_cost_per_token, cache_read_input_token_cost, cache_creation_input_token_cost(_above_1hr),
 *   output_cost_per_reasoning_token, input/output_cost_per_audio_token, input/output_cost_per_image_token
 *     → the token classes;
 *   cache_read_input_audio_token_cost / _image_token_cost → priced details cached_audio_input / cached_image_input;
 *   citation_cost_per_token → priced detail citation_input;
 *   <field>_above_<N>k_tokens → a tier above N×1000 prompt tokens (N×1000−1 for providers whose
 *     thresholds are inclusive: xAI, as LiteLLM reads them);
 *   <field>_batches → batch price; <field>_above_<N>k_tokens_batches → that tier's batch price;
 *   <field>_flex / _priority / _balanced / _ultrafast → service tiers; with _above_<N>k_tokens_<tier>
 *     the service tier's own prompt tiers, each class filled in LiteLLM's order
 *     (<field>_above_N_<tier>, then the standard <field>_above_N, then the tier's base);
 *   output_cost_per_image (and input_cost_per_image for image modes) → unit `image`;
 *   input_cost_per_second (else output_cost_per_second) → unit `audio_second` (not for video generation);
 *   input_cost_per_request, input_cost_per_query (rerank) → unit `request`;
 *   search_context_cost_per_query → unit `web_search` by search context size (medium by default); for
 *     Perplexity it is ONE request fee by size (unit `request`), except Sonar Deep Research (per search query);
 *   alias_of → an alias of the target entry.
 */
import type { ModelSpec, PriceSpec, RateSetSpec, SearchContextSpec, TierSpec } from './catalog-schema.js';
import type { CatalogSource } from './catalog.js';
import { JsonNumber, isLosslessObject, type LosslessJson, type LosslessObject } from '../core/lossless-json.js';
import { canonicalProvider, familyOfModelName, providerOfSegment } from './providers.js';
import { TOKEN_FIELDS, TOKEN_FIELD_RE, UNIT_FIELDS, isPriceCarrying, unsupportedKey, type TierSuffix } from './litellm-keys.js';
import { FINE_SCALE, isWholeFemto, parseFine } from './fine.js';
import type { FieldReport, FieldUse, InexactPrice, PriceFileReport, SkippedEntry } from './price-report.js';

export interface LiteLlmImportOptions {
  /** When the imported prices take effect; LiteLLM entries carry no date. Default: the beginning of time (`1970-01-01`). */
  readonly effectiveFrom?: string;
  /**
   * Providers whose `_above_<N>k_tokens` thresholds are inclusive (a prompt of
   * exactly N×1000 tokens pays the higher price), imported as above N×1000−1.
   * Default `['xai']`, as LiteLLM reads them; `[]` reads every threshold as "above".
   */
  readonly inclusiveThresholds?: readonly string[];
}

export const DEFAULT_INCLUSIVE_THRESHOLDS: readonly string[] = ['xai'];

export type LiteLlmReport = PriceFileReport;

export interface LiteLlmConversion {
  readonly source: CatalogSource;
  /** How many entries were skipped (report.skipped.length). */
  readonly skipped: number;
  readonly report: LiteLlmReport;
}

const IMAGE_MODES = new Set(['image_generation', 'image_edit']);
const PER_SECOND_EXCLUDED_MODES = new Set(['video_generation']);
const DECIMAL_TEXT_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const SIZES = ['low', 'medium', 'high'] as const;

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

type ClassSet = Record<string, string>;

interface Collected {
  base: ClassSet;
  /** threshold (N×1000) → classes */
  tiers: Map<number, ClassSet>;
  tierBatches: Map<number, ClassSet>;
  batches: ClassSet;
  service: Map<string, { base: ClassSet; tiers: Map<number, ClassSet> }>;
  units: Record<string, string>;
  /** Search context prices by size, when the entry has them. */
  search: Partial<Record<(typeof SIZES)[number], string>>;
}

class InvalidValue extends Error {}

/** Why a value cannot be used, or null. */
function valueProblem(text: string | undefined): string | null {
  if (text === undefined || !DECIMAL_TEXT_RE.test(text)) return 'must be a decimal number';
  let fine: bigint;
  try {
    fine = parseFine(text, 0);
  } catch {
    return `${text} has more than ${FINE_SCALE} decimals of USD; tally keeps prices exact to 10⁻³⁰ USD`;
  }
  if (fine < 0n) return 'must not be negative';
  return null;
}

function textOf(v: LosslessJson): string | undefined {
  return v instanceof JsonNumber ? v.text : typeof v === 'string' ? v.trim() : undefined;
}

function set<K>(map: Map<K, ClassSet>, k: K): ClassSet {
  let s = map.get(k);
  if (!s) {
    s = {};
    map.set(k, s);
  }
  return s;
}

function isPerplexityRequestFee(provider: string, rawKey: string): boolean {
  return provider === 'perplexity' && !/deep-research/.test(rawKey);
}

/** Converts a parsed LiteLLM price map into tally models. `file` is named in the report and warnings. */
export function fromLiteLlm(doc: LosslessObject, file: string, options: LiteLlmImportOptions = {}): LiteLlmConversion {
  const effective = options.effectiveFrom ?? '1970-01-01';
  const inclusive = new Set((options.inclusiveThresholds ?? DEFAULT_INCLUSIVE_THRESHOLDS).map(canonicalProvider));
  const models: ModelSpec[] = [];
  const byKey = new Map<string, { spec: ModelSpec; rawKey: string }>();
  const byRaw = new Map<string, ModelSpec>();
  const aliasRows: [string, string, LosslessObject][] = [];
  const skipped: SkippedEntry[] = [];
  const warnings: string[] = [];
  const inexact: InexactPrice[] = [];
  const fieldCounts = new Map<string, { use: 'mapped' | 'unsupported' | 'informational' | 'unknown'; entries: number; note: string }>();
  let entries = 0;

  const countField = (key: string, use: FieldUse, note: string): void => {
    const f = fieldCounts.get(key);
    if (f) f.entries++;
    else fieldCounts.set(key, { use, entries: 1, note });
  };

  for (const [rawKey, value] of Object.entries(doc)) {
    if (rawKey === 'sample_spec' || !isLosslessObject(value)) continue;
    entries++;
    if (typeof value['alias_of'] === 'string') {
      aliasRows.push([rawKey, value['alias_of'], value]);
      continue;
    }
    const provider = providerOf(rawKey, value);
    const mode = typeof value['mode'] === 'string' ? value['mode'] : '';
    const c: Collected = { base: {}, tiers: new Map(), tierBatches: new Map(), batches: {}, service: new Map(), units: {}, search: {} };
    const unsupported: string[] = [];
    const entryInexact: InexactPrice[] = [];
    let problem: string | null = null;

    const read = (field: string, v: LosslessJson): string => {
      const text = textOf(v);
      const p = valueProblem(text);
      if (p !== null || text === undefined) {
        problem ??= `${field}: ${p ?? 'must be a decimal number'}`;
        throw new InvalidValue();
      }
      if (!isWholeFemto(parseFine(text, 0))) entryInexact.push({ entry: rawKey, field, text });
      return text;
    };

    for (const [field, v] of Object.entries(value)) {
      if (v === null || !isPriceCarrying(field)) continue;
      try {
        const m = TOKEN_FIELD_RE.exec(field);
        const cls = m?.[1] ? TOKEN_FIELDS[m[1]] : undefined;
        if (m && cls) {
          const text = read(field, v);
          const above = m[2] === undefined ? null : Number(m[2]) * 1000;
          const suffix = m[3] as TierSuffix | undefined;
          if (suffix === undefined) (above === null ? c.base : set(c.tiers, above))[cls] = text;
          else if (suffix === 'batches') (above === null ? c.batches : set(c.tierBatches, above))[cls] = text;
          else {
            let s = c.service.get(suffix);
            if (!s) {
              s = { base: {}, tiers: new Map() };
              c.service.set(suffix, s);
            }
            (above === null ? s.base : set(s.tiers, above))[cls] = text;
          }
          countField(field, 'mapped', mappedNote(cls, above, suffix));
          continue;
        }
        if (UNIT_FIELDS.has(field)) {
          if (field === 'search_context_cost_per_query') {
            if (!isLosslessObject(v)) {
              problem ??= `${field}: must be an object of search_context_size_low/medium/high`;
              throw new InvalidValue();
            }
            for (const size of SIZES) {
              const sv = v[`search_context_size_${size}`];
              if (sv !== undefined && sv !== null) c.search[size] = read(`${field}.search_context_size_${size}`, sv);
            }
            countField(field, 'mapped', 'unit web_search by search context size (Perplexity: one request fee by size, unit request; Sonar Deep Research: per search query)');
          } else if ((field === 'input_cost_per_second' || field === 'output_cost_per_second') && PER_SECOND_EXCLUDED_MODES.has(mode)) {
            read(field, v);
            unsupported.push(field);
            countField(`${field} (mode video_generation)`, 'unsupported', 'price per generated video second: no unit for video seconds');
          } else if (field === 'input_cost_per_image' && !IMAGE_MODES.has(mode)) {
            read(field, v);
            unsupported.push(field);
            countField(`${field} (non-image modes)`, 'unsupported', 'per input image outside image generation: image tokens are priced instead');
          } else {
            c.units[field] = read(field, v);
            countField(field, 'mapped', UNIT_NOTES[field] ?? 'unit');
          }
          continue;
        }
        const u = unsupportedKey(field);
        if (u) {
          if (u.kind === 'unsupported') unsupported.push(field);
          countField(field, u.kind, u.reason);
        } else {
          unsupported.push(field);
          countField(field, 'unknown', 'a price-carrying key tally does not know');
        }
      } catch (err) {
        if (!(err instanceof InvalidValue)) throw err;
      }
    }
    if (problem !== null) {
      skipped.push({ entry: rawKey, reason: 'invalid_value', detail: problem });
      continue;
    }
    if (!provider) {
      skipped.push({ entry: rawKey, reason: 'no_provider', detail: 'no litellm_provider and none can be inferred from the name' });
      continue;
    }

    const units: NonNullable<RateSetSpec['units']> = {};
    const image = c.units['output_cost_per_image'] ?? (IMAGE_MODES.has(mode) ? c.units['input_cost_per_image'] : undefined);
    if (image !== undefined) units.image = image;
    const second = c.units['input_cost_per_second'] ?? c.units['output_cost_per_second'];
    if (second !== undefined) units.audio_second = second;
    const request = c.units['input_cost_per_request'] ?? c.units['input_cost_per_query'];
    if (request !== undefined) units.request = request;
    let search: SearchContextSpec | undefined;
    const medium = c.search.medium ?? c.search.low ?? c.search.high;
    if (medium !== undefined) {
      if (isPerplexityRequestFee(provider, rawKey)) {
        // Perplexity: one request fee by search_context_size (default low), searches themselves free.
        const s: Record<string, unknown> = { default: 'low' };
        for (const size of SIZES) if (c.search[size] !== undefined) s[size] = { request: c.search[size] };
        search = s as SearchContextSpec;
      } else {
        units.web_search = medium;
        const sizes = SIZES.filter((s) => c.search[s] !== undefined);
        if (sizes.some((s) => c.search[s] !== medium)) {
          const s: Record<string, unknown> = { default: 'medium' };
          for (const size of sizes) s[size] = { web_search: c.search[size] };
          search = s as SearchContextSpec;
        }
      }
    }

    // Perplexity bills citation tokens only where it lists a citation price (Sonar Deep Research).
    if (provider === 'perplexity' && Object.keys(c.base).length > 0 && c.base['citation_input'] === undefined) c.base['citation_input'] = '0';
    const hasTokens = Object.keys(c.base).length > 0;
    const hasUnits = Object.keys(units).length > 0 || search !== undefined;
    if (!hasTokens && !hasUnits) {
      if (unsupported.length > 0) skipped.push({ entry: rawKey, reason: 'unsupported_only', detail: `its prices are only in keys tally does not price: ${[...new Set(unsupported)].join(', ')}` });
      else skipped.push({ entry: rawKey, reason: 'no_price', detail: 'no price-carrying key' });
      continue;
    }
    const model = modelNameOf(rawKey, provider, value);
    const key = `${provider}/${model}`;
    const previous = byKey.get(key);
    if (previous !== undefined) {
      skipped.push({ entry: rawKey, reason: 'duplicate', detail: `means ${key}, as ${previous.rawKey} does (kept ${previous.rawKey})` });
      byRaw.set(rawKey, previous.spec); // an alias_of naming this entry names the kept one
      continue;
    }

    const shift = (n: number): number => (inclusive.has(provider) ? n - 1 : n);
    const price: PriceSpec = {
      effective_from: effective,
      source: `${file} (LiteLLM format, entry "${rawKey}")`,
      ...(hasTokens ? { per_token: c.base } : {}),
      ...(Object.keys(units).length > 0 ? { units } : {}),
      ...(search ? { search_context: search } : {}),
    };
    const thresholds = [...new Set([...c.tiers.keys(), ...c.tierBatches.keys()])].sort((a, b) => a - b);
    if (thresholds.length > 0) {
      price.tiers = thresholds.map((above): TierSpec => {
        const batch = c.tierBatches.get(above);
        return { above_prompt_tokens: shift(above), per_token: c.tiers.get(above) ?? {}, ...(batch ? { batch: { per_token: batch } } : {}) };
      });
    }
    if (Object.keys(c.batches).length > 0) {
      price.batch = { per_token: c.batches };
      if (isHalf(c.batches['input'], c.base['input']) && isHalf(c.batches['output'], c.base['output'])) price.batch_discount = '0.5';
    }
    if (c.service.size > 0) {
      const service: NonNullable<PriceSpec['service_tiers']> = {};
      for (const [name, s] of c.service) {
        const tierThresholds = [...new Set([...c.tiers.keys(), ...s.tiers.keys()])].sort((a, b) => a - b);
        service[name] = {
          per_token: s.base,
          ...(tierThresholds.length > 0
            ? { tiers: tierThresholds.map((above) => ({ above_prompt_tokens: shift(above), per_token: { ...(c.tiers.get(above) ?? {}), ...(s.tiers.get(above) ?? {}) } })) }
            : {}),
        };
      }
      price.service_tiers = service;
    }
    const spec: ModelSpec = { key, prices: [price] };
    models.push(spec);
    byKey.set(key, { spec, rawKey });
    byRaw.set(rawKey, spec);
    inexact.push(...entryInexact);
  }

  let aliases = 0;
  for (const [rawKey, target, value] of aliasRows) {
    const spec = byRaw.get(target);
    countField('alias_of', 'mapped', 'an alias of the target entry (same provider)');
    if (!spec) {
      skipped.push({ entry: rawKey, reason: 'alias_target_missing', detail: `alias_of ${target}: no imported entry of that name` });
      continue;
    }
    const provider = spec.key.slice(0, spec.key.indexOf('/'));
    const aliasProvider = providerOf(rawKey, value) ?? provider;
    if (aliasProvider !== provider) {
      skipped.push({ entry: rawKey, reason: 'alias_target_missing', detail: `alias_of ${target} is a ${provider} entry, the alias a ${aliasProvider} one` });
      continue;
    }
    const alias = modelNameOf(rawKey, provider, value);
    (spec as { aliases?: string[] }).aliases = [...(spec.aliases ?? []), alias];
    aliases++;
  }

  const fields: FieldReport[] = [...fieldCounts.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([key, f]) => ({ key, ...f }));
  for (const f of fields) if (f.use === 'unsupported' || f.use === 'unknown') warnings.push(`${file}: field ${f.key} is not priced by tally (${f.entries} ${f.entries === 1 ? 'entry' : 'entries'}): ${f.note}`);
  for (const s of skipped) warnings.push(`${file}: entry ${s.entry} skipped (${s.reason}): ${s.detail}`);
  const report: PriceFileReport = { file, format: 'litellm', entries, imported: models.length, aliases, skipped, fields, inexact };
  return { source: { name: file, models, warnings, report }, skipped: skipped.length, report };
}

const UNIT_NOTES: Readonly<Record<string, string>> = {
  output_cost_per_image: 'unit image (per generated image)',
  input_cost_per_image: 'unit image (image generation and edit modes, when there is no output_cost_per_image)',
  input_cost_per_second: 'unit audio_second',
  output_cost_per_second: 'unit audio_second (when there is no input_cost_per_second)',
  input_cost_per_request: 'unit request',
  input_cost_per_query: 'unit request (one query = one request, e.g. rerank)',
};

function mappedNote(cls: string, above: number | null, suffix: TierSuffix | undefined): string {
  const where = [above === null ? '' : `tier above ${above} prompt tokens`, suffix === undefined ? '' : suffix === 'batches' ? 'batch price' : `service tier ${suffix}`].filter(Boolean).join(', ');
  return where ? `${cls} (${where})` : cls;
}

/** Whether `half` is exactly half of `full` (both decimal text). */
function isHalf(half: string | undefined, full: string | undefined): boolean {
  if (half === undefined || full === undefined) return false;
  const h = parseFine(half, 0);
  const f = parseFine(full, 0);
  return f > 0n && h * 2n === f;
}

