/** `tally report` without a store: flags → API parameters, and the table and CSV renderings. */
import { describe, expect, it } from 'vitest';
import { reportParams, type ReportFlags } from '../../../src/cli/commands/report.js';
import { breakdownCsv, breakdownTable, bucketLabel, summaryCsv, summaryTable } from '../../../src/cli/report-render.js';
import { measuresJson, measuresOf, sumMeasures } from '../../../src/analytics/measures.js';
import { MEASURE_NAMES } from '../../../src/store/queries/measures.js';
import type { BreakdownResult, SummaryResult } from '../../../src/analytics/types.js';
import type { Measures } from '../../../src/analytics/model.js';
import type { TallyError } from '../../../src/core/errors.js';

const flags = (over: Partial<ReportFlags> = {}): ReportFlags => ({
  tz: 'UTC', user: [], group: [], session: [], agent: [], feature: [], provider: [], model: [], apiKeyId: [], status: [], tag: [], decimals: '4', ...over,
});

/** A store row (every measure column) with some values set. */
function storeRow(over: Record<string, string>): Record<string, unknown> {
  const r: Record<string, unknown> = {};
  for (const name of MEASURE_NAMES) r[name] = name.endsWith('_sum') ? 0 : '0';
  return { ...r, ...over };
}

describe('reportParams', () => {
  const now = Date.parse('2025-03-12T15:00:00Z');

  it('turns --since 7d into a from/to pair and passes filters as repeated parameters', () => {
    expect(reportParams(flags({ since: '7d', user: ['a', 'b'], tag: ['env=prod'], priced: false, model: ['gpt-4o'] }), now)).toEqual({
      from: '2025-03-05T15:00:00.000Z', to: '2025-03-12T15:00:00.000Z', tz: 'UTC', user_id: ['a', 'b'], model: ['gpt-4o'], tag: ['env=prod'], priced: 'false',
    });
  });

  it('reads this-month in the zone and adds breakdown parameters with --by', () => {
    expect(reportParams(flags({ since: 'this-month', tz: 'America/New_York', by: 'model', top: '5', sort: 'total_tokens' }), now)).toEqual({
      from: '2025-03-01T05:00:00.000Z', to: '2025-04-01T04:00:00.000Z', tz: 'America/New_York', by: 'model', limit: '5', sort: 'total_tokens',
    });
    expect(reportParams(flags({ bucket: 'day' }), now)).toMatchObject({ bucket: 'day', limit: '20' });
  });

  it('names the flag of a bad zone or time', () => {
    for (const [f, path] of [[{ tz: 'Nowhere' }, 'tz'], [{ since: 'soonish' }, 'since']] as const) {
      try {
        reportParams(flags(f), now);
        throw new Error('expected an error');
      } catch (err) {
        expect((err as TallyError).details.errors).toEqual([expect.objectContaining({ path })]);
      }
    }
  });
});

describe('rendering', () => {
  const raw = [
    storeRow({ events: '3', requests: '3', input_tokens: '1200000', output_tokens: '3400', total_tokens: '1203400', cost_total: '1234.56789', cache_savings: '0.5' }),
    storeRow({ events: '1', requests: '1', input_tokens: '10', total_tokens: '10', cost_total: '0.00005', unpriced_events: '1' }),
    storeRow({ events: '2', requests: '2', input_tokens: '7', total_tokens: '7', cost_total: '0.1' }),
  ];
  const [a, b, o] = raw.map((r) => measuresJson(measuresOf(r))) as [Measures, Measures, Measures];
  const totals = measuresJson(sumMeasures(raw.map((r) => measuresOf(r))));
  const result: BreakdownResult = {
    range: { from: '2025-03-01T00:00:00Z', to: '2025-03-08T00:00:00Z', tz: 'UTC' }, by: ['model'], bucket: null, sort: 'cost_total', order: 'desc', limit: 2,
    rows: [{ ...a, model: 'gpt-4o, "mini"' }, { ...b, model: null }], other: [{ ...o, groups: 4 }], totals, source: { segments: [], raw_reason: null },
  };

  it('aligns columns, separates thousands, shows $ with 4 decimals and a totals row', () => {
    const lines = breakdownTable(result).trimEnd().split('\n');
    expect(lines[0]).toMatch(/^model +requests +input +cached +output +reasoning +tokens +cost +cache savings +unpriced +errors$/);
    expect(new Set(lines.map((l) => l.length)).size).toBe(1);
    expect(lines[2]).toMatch(/^gpt-4o, "mini" +3 +1,200,000 +0 +3,400 +0 +1,203,400 +\$1,234\.5679 +\$0\.5000 +0 +0$/);
    expect(lines[3]).toMatch(/^\(none\) +1 +10 .* \$0\.0000 +\$0\.0000 +1 +0$/); // display rounding is half-even: 0.00005 → 0.0000
    expect(lines[4]).toMatch(/^\(other: 4\) +2 +7 /);
    expect(lines[6]).toMatch(/^total +6 +1,200,017 +0 +3,400 +0 +1,203,417 +\$1,234\.6679 +\$0\.5000 +1 +0$/);
  });

  it('is the CSV the dashboard exports for the same answer (src/dashboard/export.js, the same columns in the same order)', async () => {
    // The page offers the `tally report … --csv` command next to its download, so the two must agree byte for byte.
    const page = (await import('../../../src/dashboard/export.js' as string)) as { breakdownCsv: (r: BreakdownResult) => string };
    expect(page.breakdownCsv(result)).toBe(breakdownCsv(result));
    expect(breakdownCsv(result).split('\n')[0]).toContain(',cost_total,cache_savings,price,margin,margin_pct,');
  });

  it('writes exact CSV, quoting where needed, other rows marked', () => {
    const csv = breakdownCsv(result).trimEnd().split('\n');
    expect(csv[0]!.startsWith('model,events,requests,')).toBe(true);
    expect(csv[1]!.startsWith('"gpt-4o, ""mini""",3,3,1200000,')).toBe(true);
    expect(csv[1]).toContain(',1234.56789,');
    expect(csv[3]!.startsWith('(other),2,2,')).toBe(true);
    expect(csv[3]!.endsWith(',4')).toBe(true);
    const summary = { totals } as SummaryResult;
    const [head, values] = summaryCsv(summary).trimEnd().split('\n') as [string, string];
    expect(Object.fromEntries(head.split(',').map((k, i) => [k, values.split(',')[i]]))).toMatchObject({ events: '6', cost_total: '1234.66794', total_tokens: '1203417' });
  });

  it('shows price, margin and margin % only when something was billed, or with --revenue; CSV always, exact (issue 16)', () => {
    // Nothing billed: the table is as it was (checked above); --revenue adds the columns, margin % "—".
    const forced = breakdownTable(result, { revenue: true }).trimEnd().split('\n');
    expect(forced[0]).toMatch(/^model +requests +input +cached +output +reasoning +tokens +cost +price +margin +margin % +cache savings +unpriced +errors$/);
    expect(forced[2]).toMatch(/ \$1,234\.5679 +\$0\.0000 +-\$1,234\.5679 +— +\$0\.5000 /);
    // Billed: the columns appear by themselves, per row and in the totals.
    const billedRaw = [
      storeRow({ events: '2', requests: '2', cost_total: '10', price_total: '13.000000000000001' }),
      storeRow({ events: '1', requests: '1', cost_total: '3', price_total: '2.5' }),
    ];
    const [x, y] = billedRaw.map((r) => measuresJson(measuresOf(r))) as [Measures, Measures];
    const billed: BreakdownResult = { ...result, by: ['tenant'], rows: [{ ...x, tenant: 'acme' }, { ...y, tenant: 'globex' }], other: [], totals: measuresJson(sumMeasures(billedRaw.map((r) => measuresOf(r)))) };
    const lines = breakdownTable(billed).trimEnd().split('\n');
    expect(lines[0]).toMatch(/ cost +price +margin +margin % +cache savings /);
    expect(lines[2]).toMatch(/^acme +2 .* \$10\.0000 +\$13\.0000 +\$3\.0000 +23\.08 % /);
    expect(lines[3]).toMatch(/^globex +1 .* \$3\.0000 +\$2\.5000 +-\$0\.5000 +-20\.00 % /);
    expect(lines[5]).toMatch(/^total +3 .* \$13\.0000 +\$15\.5000 +\$2\.5000 +16\.13 % /);
    const csv = breakdownCsv(billed).trimEnd().split('\n');
    const cells = (i: number): Record<string, string | undefined> => Object.fromEntries(csv[0]!.split(',').map((k, j) => [k, csv[i]!.split(',')[j]]));
    expect(cells(1)).toMatchObject({ tenant: 'acme', cost_total: '10', price: '13.000000000000001', margin: '3.000000000000001', margin_pct: '23.08' });
    expect(cells(2)).toMatchObject({ price: '2.5', margin: '-0.5', margin_pct: '-20.00' });
    expect(Object.fromEntries(summaryCsv({ totals } as SummaryResult).trimEnd().split('\n').map((l) => l.split(',')).reduce<string[][]>((acc, l, i, all) => (i === 0 ? l.map((k, j) => [k, all[1]![j]!]) : acc), []))).toMatchObject({ price: '0', margin: '-1234.66794', margin_pct: '' });
    // The summary table: per model and in the totals row.
    const summary = {
      range: result.range, totals: billed.totals, tokens_by_model: [], source: result.source,
      cost_by_model: [{ model: 'openai/gpt-4o', events: 3, cost_total: '13', cache_savings: '0', price: billed.totals.price, margin: billed.totals.margin, margin_pct: billed.totals.margin_pct }],
    } as unknown as SummaryResult;
    const table = summaryTable(summary).split('\n');
    expect(table[0]).toMatch(/^model +events +requests +tokens +cost +price +margin +margin % +cache savings$/);
    expect(table[4]).toMatch(/^total +3 +3 +0 +\$13\.0000 +\$15\.5000 +\$2\.5000 +16\.13 % +\$0\.0000$/);
  });

  it('labels buckets in their zone', () => {
    expect(bucketLabel('2025-03-10T00:00:00+05:30', 'day')).toBe('2025-03-10');
    expect(bucketLabel('2025-11-02T01:00:00-05:00', 'hour')).toBe('2025-11-02 01:00-05:00');
    expect(bucketLabel('2025-11-02T01:00:00Z', 'hour')).toBe('2025-11-02 01:00Z');
  });
});
