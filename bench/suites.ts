/** The benchmarks `npm run bench -- <name>` knows. */
import { runPricingBench } from './pricing.js';

export interface Benchmark {
  readonly name: string;
  readonly description: string;
  run(args: readonly string[]): Promise<void>;
}

export const BENCHMARKS: readonly Benchmark[] = [
  { name: 'pricing', description: 'events/s for validate+normalize+price and for normalize+price alone, one core', run: runPricingBench },
];
