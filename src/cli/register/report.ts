import type { Command } from 'commander';
import type { ReportFlags } from '../commands/report.js';
import { collect, withConfigFlags } from '../flags.js';

export function registerReport(program: Command): void {
  withConfigFlags(
    program
      .command('report')
      .description('usage, cost, tokens (and billed price and margin, when billed) for a time range: totals by model, or --by dimensions and/or --bucket')
      .option('--by <dims>', 'group by one or two of tenant,user_id,group,agent,feature,provider,model_key,model,api_key_id,status (comma-separated)')
      .option('--bucket <bucket>', 'group by time: hour, day, week (Monday) or month, in --tz')
      .option('--since <when>', 'start: 30m, 24h, 7d, 2w, today, yesterday, this-week, last-week, this-month, last-month, this-year, a date or RFC 3339 (default 30d)')
      .option('--until <when>', 'end (exclusive), same forms (default now, or the end of a named --since period)')
      .option('--tz <zone>', 'IANA time zone for dates and buckets', 'UTC')
      .option('--tenant <id>', 'one tenant (default: every tenant the store or key can read)')
      .option('--user <id>', 'filter by user_id (repeatable)', collect, [])
      .option('--group <id>', 'filter by group (repeatable)', collect, [])
      .option('--session <id>', 'filter by session_id (repeatable)', collect, [])
      .option('--agent <name>', 'filter by agent (repeatable)', collect, [])
      .option('--feature <name>', 'filter by feature (repeatable)', collect, [])
      .option('--provider <name>', 'filter by provider (repeatable)', collect, [])
      .option('--model <model>', 'filter by model_key or reported model (repeatable)', collect, [])
      .option('--api-key-id <id>', 'filter by api_key_id (repeatable)', collect, [])
      .option('--status <status>', 'filter by status: ok, error, cancelled (repeatable)', collect, [])
      .option('--tag <key=value>', 'filter by metadata tag (repeatable, all must match)', collect, [])
      .option('--priced', 'priced events only')
      .option('--unpriced', 'unpriced events only')
      .option('--top <n>', 'top N groups, the rest summed into an (other) row (default 20)')
      .option('--sort <measure>', 'rank groups by this measure, e.g. cost_total (default), price, margin, total_tokens')
      .option('--order <order>', 'desc (default) or asc')
      .option('--source <source>', 'auto (rollups where exact) or raw (raw events only)')
      .option('--decimals <n>', 'USD decimal places in tables', '4')
      .option('--revenue', 'show price, margin and margin % columns even when no event in the range was billed (default: shown when any was)')
      .option('--json', 'print the JSON the API returns')
      .option('--csv', 'print CSV with exact values')
      .option('--url <url>', 'query a running tally API instead of the store, e.g. http://localhost:8787')
      .option('--api-key <key>', 'API key for --url (default TALLY_API_KEY)'),
    { dataDir: true },
  ).action(async (raw: ReportFlags & { unpriced?: boolean }) => (await import('../commands/report.js')).runReport(raw));
}
