/**
 * docs/metrics.md and the sample Grafana dashboard cannot drift from the
 * registry (src/metrics/registry.ts): every registered tally_* metric has a
 * row with its type and labels; every tally_* name the doc or a dashboard
 * query mentions is registered (histogram series _bucket/_sum/_count count as
 * their histogram; tally_process_* and tally_nodejs_* are prom-client's default metrics).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../../src/core/metrics.js';

const DOC = readFileSync(new URL('../../../docs/metrics.md', import.meta.url), 'utf8');
const GRAFANA_TEXT = readFileSync(new URL('../../../docs/grafana/tally-dashboard.json', import.meta.url), 'utf8');

interface Registered { readonly name: string; readonly type: string; readonly labels: readonly string[] }

function registered(defaultMetrics: boolean): Registered[] {
  // prom-client's metric objects carry name, type and labelNames at run time; its typings expose only some of them.
  return createMetrics({ defaultMetrics }).registry.getMetricsAsArray().map((m) => {
    const { name, type, labelNames } = m as unknown as { name: string; type: string; labelNames?: readonly string[] };
    return { name, type, labels: [...(labelNames ?? [])].sort() };
  });
}

const OWN = registered(false);
const ALL = new Map(registered(true).map((m) => [m.name, m]));

/** A series name as the metric it belongs to (histogram series end in _bucket, _sum, _count). */
function metricOf(series: string): string | undefined {
  if (ALL.has(series)) return series;
  const base = series.replace(/_(bucket|sum|count)$/, '');
  return ALL.get(base)?.type === 'histogram' ? base : undefined;
}

/** tally_* names in a text (a name ending in `_` is a prefix, e.g. `tally_process_`, not a metric). */
const namesIn = (text: string): string[] => [...new Set(text.match(/\btally_[a-z0-9_]*[a-z0-9]\b/g) ?? [])].sort();

/** Rows of the metrics table: | `name` | type | `l1`, `l2` | meaning | */
function tableRows(): Map<string, { type: string; labels: string[] }> {
  const rows = new Map<string, { type: string; labels: string[] }>();
  for (const line of DOC.split('\n')) {
    const m = /^\| `(tally_[a-z0-9_]+)` \| (\w+) \| ([^|]*) \|/.exec(line);
    if (!m) continue;
    const labels = [...(m[3] ?? '').matchAll(/`([a-z_]+)`/g)].map((x) => x[1] ?? '').sort();
    rows.set(m[1] ?? '', { type: m[2] ?? '', labels });
  }
  return rows;
}

describe('docs/metrics.md', () => {
  it('has a row for every registered tally_* metric, with its type and labels', () => {
    const rows = tableRows();
    expect(OWN.length).toBeGreaterThan(10);
    for (const metric of OWN) {
      const row = rows.get(metric.name);
      expect(row, `${metric.name} has no row in docs/metrics.md`).toBeDefined();
      expect(row?.type, `${metric.name} type`).toBe(metric.type);
      expect(row?.labels, `${metric.name} labels`).toEqual(metric.labels);
    }
    expect([...rows.keys()].sort()).toEqual(OWN.map((m) => m.name).sort());
  });

  it('mentions no metric that is not registered', () => {
    const unknown = namesIn(DOC).filter((n) => metricOf(n) === undefined);
    expect(unknown, 'names in docs/metrics.md that the registry does not have').toEqual([]);
  });

  it('has a PromQL example for the main questions', () => {
    const promql = [...DOC.matchAll(/```promql\n([\s\S]*?)```/g)].map((m) => m[1] ?? '').join('\n');
    for (const needle of ['tally_consumer_lag', 'tally_dlq_records_total', 'tally_sink_seconds_bucket', 'tally_quota_seconds_bucket{operation="check"}', 'tally_http_requests_total', 'tally_ready']) {
      expect(promql, needle).toContain(needle);
    }
  });
});

describe('docs/grafana/tally-dashboard.json', () => {
  interface Panel { type: string; title: string; datasource?: { uid?: string }; targets?: { expr: string; datasource?: { uid?: string } }[]; panels?: Panel[] }
  const dashboard = JSON.parse(GRAFANA_TEXT) as { uid: string; title: string; panels: Panel[]; templating: { list: { name: string; type: string; query: unknown }[] } };
  const panels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]).filter((p) => p.type !== 'row');
  const exprs = panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));

  it('is importable: a Prometheus datasource variable that every panel and query uses', () => {
    expect(dashboard.uid).toBe('tally-ops');
    const ds = dashboard.templating.list.find((v) => v.name === 'datasource');
    expect(ds).toMatchObject({ type: 'datasource', query: 'prometheus' });
    expect(panels.length).toBeGreaterThan(10);
    for (const p of panels) {
      expect(p.datasource?.uid, p.title).toBe('${datasource}');
      for (const t of p.targets ?? []) expect(t.datasource?.uid, p.title).toBe('${datasource}');
      expect(p.targets?.length ?? 0, p.title).toBeGreaterThan(0);
    }
  });

  it('queries only registered metrics, with balanced brackets', () => {
    for (const expr of exprs) {
      for (const name of namesIn(expr)) expect(metricOf(name), `${name} in ${expr}`).toBeDefined();
      for (const [open, close] of [['(', ')'], ['{', '}'], ['[', ']']] as const) {
        expect(expr.split(open).length, `${open}${close} in ${expr}`).toBe(expr.split(close).length);
      }
    }
  });

  it('has panels for throughput, lag, DLQ, sink latency, readiness, quota latency and HTTP status codes', () => {
    const all = exprs.join('\n');
    for (const needle of ['tally_events_consumed_total', 'tally_consumer_lag', 'tally_dlq_records_total', 'tally_sink_seconds_bucket', 'tally_ready', 'tally_quota_seconds_bucket', 'sum by (status) (rate(tally_http_requests_total']) {
      expect(all, needle).toContain(needle);
    }
  });
});
