/**
 * The filters beyond tenant and user, as the API takes them (docs/analytics.md,
 * "Common parameters"): each dimension holds one or more values, OR-ed within
 * a dimension and AND-ed across dimensions. They live in the URL fragment next
 * to the range (`#range=7d&model=openai/gpt-4o&tag=env=prod`), in this order,
 * so a view can be shared and reloaded.
 */

/** [parameter, label] for every filter the page offers, in the order the chips show them. */
export const FILTER_DIMENSIONS = [
  ['model', 'Model'], ['provider', 'Provider'], ['agent', 'Agent'], ['feature', 'Feature'],
  ['group', 'Group'], ['status', 'Status'], ['tag', 'Tag'],
];

export const STATUSES = ['ok', 'error', 'cancelled'];

const NAMES = new Set(FILTER_DIMENSIONS.map(([name]) => name));

/** Filters from URL parameters: only the known dimensions, values de-duplicated, empty ones left out. */
export function readFilters(params) {
  const filters = {};
  for (const [name] of FILTER_DIMENSIONS) {
    const values = [...new Set(params.getAll(name).filter((v) => v !== ''))];
    if (values.length > 0) filters[name] = values;
  }
  return filters;
}

/** Appends the filters to URL parameters in the canonical order. */
export function writeFilters(params, filters) {
  for (const [name] of FILTER_DIMENSIONS) for (const v of filters[name] ?? []) params.append(name, v);
}

/** The filters as one canonical string (`agent=a&model=m`), for <main data-filters> and comparisons. */
export function filtersKey(filters) {
  const p = new URLSearchParams();
  writeFilters(p, filters);
  return p.toString();
}

/** Why a value cannot be a filter of that dimension, or '' when it can. */
export function invalidFilter(name, value) {
  if (!NAMES.has(name)) return `unknown filter ${name}`;
  if (value === '') return 'enter a value';
  if (name === 'status' && !STATUSES.includes(value)) return `status is one of ${STATUSES.join(', ')}`;
  if (name === 'tag' && !/^[^=]+=.+$/.test(value)) return 'a tag filter is key=value (e.g. env=prod)';
  return '';
}

/** A copy with `value` added to `name` (kept once). */
export function withFilter(filters, name, value) {
  const values = filters[name] ?? [];
  return { ...filters, [name]: values.includes(value) ? values : [...values, value] };
}

/** A copy with only `value` for `name`: what a click on a chart or a row does. */
export function onlyFilter(filters, name, value) {
  return { ...filters, [name]: [value] };
}

/** A copy without `value` of `name` (the dimension dropped when it was the last one). */
export function withoutFilter(filters, name, value) {
  const values = (filters[name] ?? []).filter((v) => v !== value);
  const next = { ...filters };
  if (values.length > 0) next[name] = values;
  else delete next[name];
  return next;
}

/** Human text: `model openai/gpt-4o or openai/gpt-4o-mini, status error`. */
export function describeFilters(filters) {
  return FILTER_DIMENSIONS.filter(([name]) => filters[name]).map(([name]) => `${name} ${filters[name].join(' or ')}`).join(', ');
}
