/**
 * The identifiers a usage query writes into SQL text, each checked against
 * its fixed list: a spec comes from another layer, and a name outside the
 * list is a programming error (INTERNAL), never text in a statement.
 */
import { TallyError } from '../../core/errors.js';
import { BREAKDOWN_DIMENSIONS, columnOf, type BreakdownDimension } from '../../core/dimensions.js';
import { MEASURE_NAMES, type RankMeasure } from '../queries/measures.js';
import { LATENCY_DIMENSIONS, type LatencyDimension } from './specs.js';

const GROUPABLE: ReadonlySet<string> = new Set(BREAKDOWN_DIMENSIONS);
const LATENCY_GROUPABLE: ReadonlySet<string> = new Set(LATENCY_DIMENSIONS);
const MEASURES: ReadonlySet<string> = new Set([...MEASURE_NAMES, 'margin']);

/** The column a breakdown groups `dimension` by. */
export function groupColumn(dimension: BreakdownDimension): string {
  if (!GROUPABLE.has(dimension)) throw new TallyError('INTERNAL', `usage cannot be grouped by ${JSON.stringify(dimension)}`);
  return columnOf(dimension);
}

/** The column latency is grouped by for `dimension`. */
export function latencyColumn(dimension: LatencyDimension): string {
  if (!LATENCY_GROUPABLE.has(dimension)) throw new TallyError('INTERNAL', `latency cannot be grouped by ${JSON.stringify(dimension)}`);
  return columnOf(dimension);
}

/** `measure`, when it is one of MEASURE_NAMES or the derived `margin`. */
export function measureName(measure: RankMeasure): RankMeasure {
  if (!MEASURES.has(measure)) throw new TallyError('INTERNAL', `no measure ${JSON.stringify(measure)}`);
  return measure;
}
