/**
 * The usage and cost classes: the one list of what tally counts and prices.
 * Token classes never overlap, so a usage's `total` is always their sum and
 * each class has one price; unit classes are priced per unit.
 */

export const TOKEN_CLASSES = [
  'input', // uncached text input
  'cached_input', // cache read
  'cache_write_5m',
  'cache_write_1h',
  'output', // visible text output
  'reasoning',
  'audio_input',
  'audio_output',
  'image_input',
  'image_output',
] as const;

export type TokenClass = (typeof TOKEN_CLASSES)[number];

/** Input-side classes: these count toward a prompt-size tier threshold. */
export const INPUT_CLASSES: readonly TokenClass[] = ['input', 'cached_input', 'cache_write_5m', 'cache_write_1h', 'audio_input', 'image_input'];

/** Non-token units with their own price. */
export const UNIT_CLASSES = ['request', 'tool_call', 'web_search', 'audio_second', 'image'] as const;
export type UnitClass = (typeof UNIT_CLASSES)[number];

/** Every priced class: the token classes, then the units. */
export type CostClass = TokenClass | UnitClass;
export const COST_CLASSES: readonly CostClass[] = [...TOKEN_CLASSES, ...UNIT_CLASSES];
