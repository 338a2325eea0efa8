/**
 * `tally report` — usage from the terminal: the summary (by model, with
 * totals), or a breakdown `--by` one or two dimensions and/or `--bucket`,
 * over `--since`/`--until` (7d, 24h, today, this-month, last-month, dates,
 * RFC 3339) in `--tz`, with the API's filters. Reads the configured store
 * (ClickHouse when CLICKHOUSE_URL is set, else the embedded chDB store under
 * --data-dir) or, with --url and --api-key, a running tally API. Aligned
 * tables by default; --json prints the API's JSON; --csv exact values.
 */
import { createAnalyticsService } from '../../analytics/service.js';
import { resolveRange } from '../../analytics/range.js';
import { resolveTimeZone } from '../../analytics/time.js';
import { breakdownCsv, breakdownTable, summaryCsv, summaryTable } from '../report-render.js';
import type { BreakdownResult, SummaryResult } from '../../analytics/types.js';
import { TallyError, validationError } from '../../core/errors.js';
import { createTallyClient } from '../../sdk/client/index.js';
import { describeStore, openStore } from '../../runtime/adapters.js';
import type { AnalyticsStore } from '../../store/types.js';
import { cliContext } from '../context.js';
import type { ConfigFlags } from '../flags.js';
import { printJson } from '../output.js';

export interface ReportFlags extends ConfigFlags {
  readonly by?: string;
  readonly bucket?: string;
  readonly since?: string;
  readonly until?: string;
  readonly tz: string;
  readonly tenant?: string;
  readonly user: string[];
  readonly group: string[];
  readonly session: string[];
  readonly agent: string[];
  readonly feature: string[];
  readonly provider: string[];
  readonly model: string[];
  readonly apiKeyId: string[];
  readonly status: string[];
  readonly tag: string[];
  readonly priced?: boolean;
  readonly top?: string;
  readonly sort?: string;
  readonly order?: string;
  readonly source?: string;
  readonly decimals: string;
  /** Show price, margin and margin % columns even when nothing in the range was billed. */
  readonly revenue?: boolean;
  readonly json?: boolean;
  readonly csv?: boolean;
  readonly url?: string;
  readonly apiKey?: string;
}

type Params = Record<string, string | string[]>;

/** The API parameters the flags stand for (the range resolved to instants here). */
export function reportParams(flags: ReportFlags, now: number = Date.now()): Params {
  const tz = resolveTimeZone(flags.tz);
  if (tz === null) throw validationError([{ path: 'tz', reason: `is not an IANA time zone (got ${JSON.stringify(flags.tz)})` }]);
  const range = resolveRange({ since: flags.since, until: flags.until }, tz, now);
  const p: Params = { from: new Date(range.from).toISOString(), to: new Date(range.to).toISOString(), tz };
  const lists: [string, string[]][] = [
    ['user_id', flags.user], ['group', flags.group], ['session_id', flags.session], ['agent', flags.agent], ['feature', flags.feature],
    ['provider', flags.provider], ['model', flags.model], ['api_key_id', flags.apiKeyId], ['status', flags.status], ['tag', flags.tag],
  ];
  for (const [name, values] of lists) if (values.length > 0) p[name] = values;
  if (flags.priced !== undefined) p.priced = String(flags.priced);
  if (flags.source) p.source = flags.source;
  if (flags.by) p.by = flags.by;
  if (flags.bucket) p.bucket = flags.bucket;
  if (flags.by || flags.bucket) {
    p.limit = flags.top ?? '20';
    if (flags.sort) p.sort = flags.sort;
    if (flags.order) p.order = flags.order;
  }
  return p;
}

interface Reader {
  summary(p: Params): Promise<SummaryResult>;
  breakdown(p: Params): Promise<BreakdownResult>;
  describe: string;
  close(): Promise<void>;
}

/** A running tally API over HTTP (the SDK's typed client). */
function httpReader(base: string, apiKey: string | undefined, tenant: string | undefined): Reader {
  const { analytics } = createTallyClient({ url: base, ...(apiKey ? { apiKey } : {}), timeoutMs: 120_000 });
  const withTenant = (p: Params): Params => ({ ...p, ...(tenant ? { tenant } : {}) });
  return { summary: (p) => analytics.summary(withTenant(p)), breakdown: (p) => analytics.breakdown(withTenant(p)), describe: base, close: async () => {} };
}

/** A store-not-migrated error, said plainly. */
function explain(err: unknown, where: string): unknown {
  if (err instanceof TallyError && err.code === 'STORE_QUERY_FAILED' && err.details.clickhouseCode === 60) {
    return new TallyError('STORE_QUERY_FAILED', `${where} has no tally tables yet: run \`tally migrate\` (or \`tally start\`) first`, { cause: err, details: err.details });
  }
  return err;
}

export async function runReport(raw: ReportFlags & { unpriced?: boolean }): Promise<void> {
  const flags: ReportFlags = { ...raw, ...(raw.unpriced ? { priced: false } : {}) };
  const decimals = Number(flags.decimals);
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > 15) throw validationError([{ path: 'decimals', reason: 'must be a whole number from 0 to 15' }]);
  const params = reportParams(flags);
  const reader = await openReader(flags);
  try {
    const breakdown = flags.by !== undefined || flags.bucket !== undefined;
    const result = breakdown ? await reader.breakdown(params) : await reader.summary(params);
    if (flags.json) {
      printJson(result);
      return;
    }
    if (flags.csv) {
      process.stdout.write(breakdown ? breakdownCsv(result as BreakdownResult) : summaryCsv(result as SummaryResult));
      return;
    }
    const r = result.range;
    process.stdout.write(`usage ${r.from} → ${r.to} (${r.tz})${flags.tenant ? `, tenant ${flags.tenant}` : ''} · ${reader.describe}\n\n`);
    const render = { decimals, ...(flags.revenue ? { revenue: true } : {}) };
    process.stdout.write(breakdown ? breakdownTable(result as BreakdownResult, render) : summaryTable(result as SummaryResult, render));
  } catch (err) {
    throw explain(err, reader.describe);
  } finally {
    await reader.close();
  }
}

async function openReader(flags: ReportFlags): Promise<Reader> {
  if (flags.url) return httpReader(flags.url, flags.apiKey ?? process.env.TALLY_API_KEY, flags.tenant);
  const { config, logger } = cliContext(flags);
  let store: AnalyticsStore;
  try {
    store = await openStore(config, logger);
  } catch (err) {
    if (err instanceof TallyError && err.code === 'STORE_UNAVAILABLE' && !config.clickhouse.url) {
      throw new TallyError('STORE_UNAVAILABLE', `${err.message} — is \`tally start\` running on this data directory? Query it with --url http://localhost:${config.api.port} instead`, { cause: err });
    }
    throw err;
  }
  const service = createAnalyticsService(store);
  const scope = flags.tenant ?? null; // direct store access reads what the store holds
  return {
    summary: (p) => service.summary(p, scope),
    breakdown: (p) => service.breakdown(p, scope),
    describe: describeStore(config),
    close: () => store.close(),
  };
}
