/**
 * The ClickHouse settings both analytics adapters apply to every request, so
 * that chDB and a ClickHouse server return byte-for-byte the same JSON:
 *
 * | setting | value | effect |
 * |---|---|---|
 * | `output_format_json_quote_64bit_integers` | 1 | (U)Int64/128/256 as JSON strings — a count never loses precision in `JSON.parse` |
 * | `output_format_json_quote_decimals` | 1 | Decimal as JSON strings: `"0.000001"`, parsed exactly by `parseUsd` |
 * | `output_format_decimal_trailing_zeros` | 0 | `"1.5"`, not `"1.500000000000000"` (the same text `formatUsd` writes) |
 * | `output_format_json_quote_64bit_floats` | 0 | Float64 as JSON numbers (latencies) |
 * | `output_format_json_quote_denormals` | 0 | nan/inf as null |
 * | `date_time_output_format` | simple | DateTime64(3,'UTC') as `YYYY-MM-DD hh:mm:ss.sss`, DateTime as `YYYY-MM-DD hh:mm:ss`, in the column's zone (UTC for every tally column) |
 * | `date_time_input_format` | basic | inserts carry `YYYY-MM-DD hh:mm:ss.sss` UTC text, nothing fuzzier |
 * | `input_format_skip_unknown_fields` | 0 | an insert with a misspelt column fails instead of silently dropping data |
 *
 * chDB takes them as connection arguments (`--name=value`), the HTTP adapter
 * as `clickhouse_settings` on every request.
 */

/** A setting value as ClickHouse accepts it on a URL or a command line. */
export type SettingValue = string | number;

export const OUTPUT_SETTINGS = {
  output_format_json_quote_64bit_integers: 1,
  output_format_json_quote_decimals: 1,
  output_format_decimal_trailing_zeros: 0,
  output_format_json_quote_64bit_floats: 0,
  output_format_json_quote_denormals: 0,
  date_time_output_format: 'simple',
  date_time_input_format: 'basic',
  input_format_skip_unknown_fields: 0,
} as const satisfies Record<string, SettingValue>;

/**
 * No LLVM compilation of expressions, aggregates or sorts (issue 13). ClickHouse
 * compiles a statement's expressions the fourth time it sees them
 * (`min_count_to_compile_* = 3`): in chDB that one compile stalled the fourth
 * run of each query shape by 100–170 ms (a 30-day breakdown with every
 * measure: 229 ms against 62 ms), and the compiled code ran no faster over
 * tally's rollups (p50 62.6 ms without, 63.7 ms with; CPU 70.5 against
 * 71.2 ms). Every filter, grouping and measure list is a shape of its own, so
 * a dashboard met those stalls often. docs/analytics.md, "Query compilation".
 */
export const COMPILE_SETTINGS = {
  compile_expressions: 0,
  compile_aggregate_expressions: 0,
  compile_sort_description: 0,
} as const satisfies Record<string, SettingValue>;

/** What both adapters apply to every request: OUTPUT_SETTINGS and COMPILE_SETTINGS. */
export const REQUEST_SETTINGS = { ...OUTPUT_SETTINGS, ...COMPILE_SETTINGS } as const satisfies Record<string, SettingValue>;

/**
 * Settings of every insert on top of OUTPUT_SETTINGS: synchronous (the promise
 * resolves when the rows are in a part, so a commit after it is safe), and
 * deduplicated when the table has a deduplication window.
 */
export const INSERT_SETTINGS = {
  async_insert: 0,
  insert_deduplicate: 1,
  // Off: merging rows of one block on insert is wasted work here (about 40 % of
  // an insert's time in chDB) — the processor dedupes a batch before it inserts,
  // the rollup views hand their tables blocks already grouped, and FINAL reads
  // pick the newest version of an event whether or not its block was merged.
  optimize_on_insert: 0,
  // The rollup views side by side instead of one after another: about the same
  // CPU, less wall time per insert, which a batch waits for before its offsets
  // are committed (`npm run bench -- pipeline --parts parallel-views`;
  // docs/storage.md "Group commit"). Produce → visible p99 did not move with it
  // in four alternating runs: the insert is a small part of that wait.
  parallel_view_processing: 1,
} as const satisfies Record<string, SettingValue>;

/**
 * Settings of every request to a store in the sharded layout (Distributed
 * tables, src/store/shards.ts): an insert into a Distributed table returns only
 * after every shard it touched has written its rows (instead of queueing them
 * on the receiving node), so the processor's offset commit after it still
 * means stored. Also applies to the migrations' one-time `INSERT … SELECT`
 * fills.
 */
export const SHARDED_SETTINGS = {
  distributed_foreground_insert: 1,
  // A query whose WHERE fixes the tenant runs only on that tenant's shard.
  optimize_skip_unused_shards: 1,
} as const satisfies Record<string, SettingValue>;

/** The settings of one insert: INSERT_SETTINGS and, when given, its deduplication token. */
export function insertSettings(options: { readonly deduplicationToken?: string }): Record<string, string | number> {
  const settings: Record<string, string | number> = { ...INSERT_SETTINGS };
  if (options.deduplicationToken !== undefined) settings.insert_deduplication_token = options.deduplicationToken;
  return settings;
}

const SETTING_NAME_RE = /^[a-z][a-z0-9_]*$/;

/** Throws when a setting name is not a plain ClickHouse identifier. */
export function assertSettingName(name: string): void {
  if (!SETTING_NAME_RE.test(name)) throw new RangeError(`invalid ClickHouse setting name "${name}"`);
}

/** Settings in `clickhouse local` command-line form, for chDB connection arguments. */
export function toConnectionArgs(settings: Readonly<Record<string, SettingValue>>): string[] {
  return Object.entries(settings).map(([name, value]) => {
    assertSettingName(name);
    const text = String(value);
    if (text.includes('\0')) throw new RangeError(`setting ${name} contains a NUL byte`);
    return `--${name}=${text}`;
  });
}
