import { readFileSync } from 'node:fs';
import { measuresOf, measuresJson, sumMeasures } from '../src/analytics/measures.js';
import { formatInstant } from '../src/core/time.js';
const rows = JSON.parse(readFileSync('/tmp/q13/rows.json', 'utf8')) as Record<string, unknown>[];
function t(label: string, f: () => void) { for (let i = 0; i < 3; i++) f(); const c0 = process.cpuUsage(); for (let i = 0; i < 10; i++) f(); const d = process.cpuUsage(c0); console.log(label.padEnd(30), ((d.user + d.system) / 10000).toFixed(2), 'ms'); }
t('measuresOf', () => { for (const r of rows) measuresOf(r); });
const ms = rows.map((r) => measuresOf(r));
t('measuresJson', () => { for (const m of ms) measuresJson(m); });
t('sumMeasures', () => { sumMeasures(ms); });
t('formatInstant', () => { for (const r of rows) formatInstant(Number(r.bucket_start) * 1000, 'UTC'); });
