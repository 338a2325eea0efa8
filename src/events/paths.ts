/**
 * Field paths as users read them: `usage.prompt_tokens`, `metadata.team`,
 * `[3].model`, and `attributes["gen_ai.usage.input_tokens"]` for a key that is
 * not a plain identifier.
 */

const PLAIN_KEY = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

/** One key appended to a path. */
export function joinPath(base: string, key: string | number): string {
  if (typeof key === 'number') return `${base}[${key}]`;
  if (PLAIN_KEY.test(key)) return base === '' ? key : `${base}.${key}`;
  return `${base}[${JSON.stringify(key)}]`;
}

/** A path from its segments (zod issue paths, for instance). */
export function formatPath(segments: readonly PropertyKey[], base = ''): string {
  let path = base;
  for (const s of segments) path = joinPath(path, typeof s === 'symbol' ? String(s) : s);
  return path;
}
