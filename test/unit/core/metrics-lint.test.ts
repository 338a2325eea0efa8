/**
 * What GET /metrics serves passes `promtool check metrics`: the rules of
 * Prometheus's metric linter (client_golang's promlint, which promtool runs)
 * applied to the exposition text of a registry with every instrument and
 * prom-client's process metrics, plus tally's own: one `tally_` prefix, never
 * doubled (`tally_process_process_*`). CI also runs the real promtool over a
 * live /metrics when it can build it (scripts/promtool.sh).
 */
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../../src/core/metrics.js';

interface Family { name: string; type?: string; help?: string; samples: { name: string; labels: string[] }[] }

/** Families of the text format, in order: HELP, TYPE and their samples. */
function families(text: string): Map<string, Family> {
  const out = new Map<string, Family>();
  const family = (name: string): Family => {
    const f = out.get(name) ?? { name, samples: [] };
    out.set(name, f);
    return f;
  };
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
    if (meta) {
      const f = family(meta[2] ?? '');
      if (meta[1] === 'HELP') f.help = meta[3] ?? '';
      else f.type = meta[3] ?? '';
      continue;
    }
    const sample = /^([^\s{]+)(?:\{(.*)\})? \S+/.exec(line);
    expect(sample, `unparsable line: ${line}`).not.toBeNull();
    const name = sample?.[1] ?? '';
    const labels = [...(sample?.[2] ?? '').matchAll(/([A-Za-z_][A-Za-z0-9_]*)="/g)].map((m) => m[1] ?? '');
    const base = [...out.keys()].reverse().find((n) => name === n || (/^(.*)_(bucket|sum|count)$/.exec(name)?.[1] === n));
    expect(base, `sample ${name} follows no HELP/TYPE of its family`).toBeDefined();
    family(base ?? name).samples.push({ name, labels });
  }
  return out;
}

/** Non-base units promlint names (the base units are seconds, bytes, …). */
const NON_BASE_UNITS = ['milliseconds', 'microseconds', 'nanoseconds', 'minutes', 'hours', 'days', 'weeks', 'months', 'years', 'kilobytes', 'megabytes', 'gigabytes', 'terabytes', 'petabytes', 'kib', 'mib', 'gib', 'celsius', 'fahrenheit', 'percent'];
/** Abbreviated units promlint refuses as words of a name. */
const ABBREVIATIONS = ['s', 'ms', 'us', 'ns', 'sec', 'b', 'kb', 'mb', 'gb', 'tb', 'pb', 'm', 'h', 'd'];

/** Problems promtool (promlint) and tally's naming rule find in one family. */
function problems(f: Family): string[] {
  const p: string[] = [];
  const words = f.name.split('_');
  if (!f.help) p.push('no help text');
  if (!f.type) p.push('no TYPE');
  if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(f.name)) p.push('invalid name (or a reserved `:`)');
  if (/[A-Z]/.test(f.name)) p.push('camelCase name');
  if (f.type === 'counter' && !f.name.endsWith('_total')) p.push('counter without the _total suffix');
  if (f.type !== 'counter' && f.name.endsWith('_total')) p.push(`${f.type ?? 'untyped'} with the _total suffix`);
  if (f.type && f.type !== 'untyped' && (f.name.includes(`_${f.type}_`) || f.name.endsWith(`_${f.type}`))) p.push(`name includes its type '${f.type}'`);
  if ((f.type === 'histogram' || f.type === 'summary') && /_(count|sum|bucket)$/.test(f.name)) p.push('histogram/summary name ends in a reserved suffix');
  for (const u of NON_BASE_UNITS) if (words.includes(u)) p.push(`non-base unit ${u}`);
  for (const a of ABBREVIATIONS) if (words.includes(a)) p.push(`abbreviated unit ${a}`);
  for (const s of f.samples) {
    for (const l of s.labels) if (/[A-Z]/.test(l)) p.push(`camelCase label ${l}`);
    if (f.type !== 'histogram' && s.labels.includes('le')) p.push('le label on a non-histogram');
    if (f.type !== 'summary' && s.labels.includes('quantile')) p.push('quantile label on a non-summary');
  }
  if (!f.name.startsWith('tally_')) p.push('not under the tally_ prefix');
  if (/^tally_(\w+?)_\1_/.test(f.name) || f.name.startsWith('tally_process_process_') || f.name.startsWith('tally_process_nodejs_')) p.push('doubled prefix');
  return p;
}

async function exposition(): Promise<string> {
  const m = createMetrics();
  // One series of each labelled instrument, so samples (and their labels) are linted too.
  m.eventsConsumed.inc({ outcome: 'priced' });
  m.sinkSeconds.observe({ sink: 'store' }, 0.01);
  m.consumerLag.set({ topic: 't', partition: '0' }, 3);
  m.httpRequests.inc({ route: '/v1/events', method: 'POST', status: '202' });
  return m.registry.metrics();
}

describe('GET /metrics exposition (promtool check metrics rules)', () => {
  it('has no problem promtool or the tally_ prefix rule would report', async () => {
    const all = [...families(await exposition()).values()];
    expect(all.length).toBeGreaterThan(40);
    const found = all.flatMap((f) => problems(f).map((p) => `${f.name}: ${p}`));
    expect(found).toEqual([]);
  });

  it('the linter finds what promtool finds (it can fail)', () => {
    const bad = families([
      '# HELP tally_x_total A gauge named like a counter.', '# TYPE tally_x_total gauge', 'tally_x_total 1',
      '# HELP tally_process_process_cpu_seconds_total CPU.', '# TYPE tally_process_process_cpu_seconds_total counter', 'tally_process_process_cpu_seconds_total 1',
      '# HELP tally_counter_rebuilds_total Rebuilds.', '# TYPE tally_counter_rebuilds_total counter', 'tally_counter_rebuilds_total 1',
      '# HELP tally_wait_ms Wait.', '# TYPE tally_wait_ms gauge', 'tally_wait_ms 1',
      '# TYPE tally_y counter', 'tally_y 1',
    ].join('\n'));
    expect([...bad.values()].map((f) => [f.name, problems(f)])).toEqual([
      ['tally_x_total', ['gauge with the _total suffix']],
      ['tally_process_process_cpu_seconds_total', ['doubled prefix']],
      ['tally_counter_rebuilds_total', ["name includes its type 'counter'"]],
      ['tally_wait_ms', ['abbreviated unit ms']],
      ['tally_y', ['no help text', 'counter without the _total suffix']],
    ]);
  });
});
