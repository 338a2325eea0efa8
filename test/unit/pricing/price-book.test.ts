/**
 * Issue 16 item 1: the price of one event under a price book. Each rule kind,
 * each precedence edge, the rounding at the femto-dollar, unpriced and
 * reported costs, and a property: classes sum to the total, 0 % markup = cost.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { COST_CLASSES, TOKEN_CLASSES, UNIT_CLASSES, type CostClass } from '../../../src/core/classes.js';
import { parseUsd } from '../../../src/core/money.js';
import { TallyError } from '../../../src/core/errors.js';
import { createModelFamilies } from '../../../src/pricing/families.js';
import { loadCatalog } from '../../../src/pricing/price-files.js';
import { createPricer } from '../../../src/pricing/pricer.js';
import { compilePriceBook, divHalfEven, markup, ZERO_PRICE, type BillableEvent } from '../../../src/pricing/price-book.js';
import { parsePriceBook, type PriceBookInput } from '../../../src/pricing/price-book-schema.js';
import { PriceBookSet } from '../../../src/pricing/price-books.js';
import type { CostBreakdown } from '../../../src/pricing/types.js';
import { usage, type TokenInput, type UsageExtras } from './helpers.js';

const pricer = createPricer(loadCatalog());
const families = createModelFamilies(pricer.catalog, pricer.resolver);
const AT = '2026-11-10T12:00:00Z';
const JAN = '2026-01-01T00:00:00Z';
const femto = (usd: string): bigint => parseUsd(usd);

/** An event priced by the real catalog, as the pipeline prices it. */
function event(model: string, tokens: TokenInput, extras: UsageExtras = {}, at = AT, provider = 'openai'): BillableEvent {
  const u = usage(tokens, extras);
  const r = pricer.price({ provider, model, occurredAt: at, usage: u });
  return { occurredAtMs: Date.parse(at), provider, model, modelKey: r.model_key, usage: u, cost: r.cost, costTotal: r.total, costSource: r.cost_source, priced: r.priced };
}

/** An event with a cost given per class (for rounding edges). */
function synthetic(cost: Partial<Record<CostClass, bigint>>, tokens: TokenInput = { input: 1 }): BillableEvent {
  const c = { ...ZERO_PRICE, ...cost } as CostBreakdown;
  let total = 0n;
  for (const k of COST_CLASSES) total += c[k];
  return { occurredAtMs: Date.parse(AT), provider: 'openai', model: 'gpt-4o', modelKey: 'openai/gpt-4o', usage: usage(tokens), cost: c, costTotal: total, costSource: 'catalog', priced: true };
}

const book = (input: PriceBookInput) => compilePriceBook(parsePriceBook(input), 'tenant:1', { families });
const sum = (p: Readonly<Record<CostClass, bigint>>): bigint => COST_CLASSES.reduce((s, c) => s + p[c], 0n);

describe('price book schema', () => {
  it('normalises a book, and parsing the result again returns it unchanged', () => {
    const parsed = parsePriceBook({
      rules: [
        { kind: 'markup', percent: 12.5, effective_from: '2026-01-01T01:00:00+01:00', match: { provider: 'OpenAI' } },
        { kind: 'contract', effective_from: JAN, match: { model: 'gpt-4o' }, per_million: { input: '2.50', output: 10 }, per_unit: { web_search: '0.01' } },
        { kind: 'request_fee', effective_from: JAN, amount: '0.001' },
      ],
      allowances: [{ effective_from: JAN, period: 'month', tokens: 1_000_000, classes: ['input'] }],
    });
    expect(parsed.rules[0]).toEqual({ id: null, kind: 'markup', percent: '12.5', classes: null, effective_from: '2026-01-01T00:00:00.000Z', match: { provider: 'openai' } });
    expect(parsed.rules[1]).toMatchObject({ per_million: { input: '2.5', output: '10' }, per_unit: { web_search: '0.01' } });
    expect(parsed.allowances[0]).toMatchObject({ tokens: '1000000', amount: null, period: 'month' });
    expect(parsePriceBook(parsed)).toEqual(parsed);
  });

  it.each([
    [{ rules: [{ kind: 'markup', percent: '1.0000001', effective_from: JAN }] }, 'rules[0].percent'],
    [{ rules: [{ kind: 'markup', percent: '-100.5', effective_from: JAN }] }, 'rules[0].percent'],
    [{ rules: [{ kind: 'contract', effective_from: JAN, per_million: { input: '0.0000000001' } }] }, 'rules[0].per_million.input'],
    [{ rules: [{ kind: 'contract', effective_from: JAN }] }, 'rules[0]'],
    [{ rules: [{ kind: 'markup', percent: 5, effective_from: JAN, match: { model: 'a', provider: 'b' } }] }, 'rules[0].match'],
    [{ rules: [{ kind: 'markup', percent: 5, effective_from: 'yesterday' }] }, 'rules[0].effective_from'],
    [{ rules: [{ kind: 'request_fee', amount: '1', effective_from: JAN, extra: 1 }] }, 'rules[0]'],
    [{ rules: [{ kind: 'markup', percent: 5, effective_from: JAN }, { kind: 'markup', percent: 6, effective_from: JAN }] }, 'rules[1]'],
    [{ rules: [{ kind: 'markup', percent: 5, effective_from: JAN, classes: ['input'] }, { kind: 'contract', effective_from: JAN, per_million: { input: 1 } }] }, 'rules[1]'],
    [{ rules: [], allowances: [{ period: 'month', effective_from: JAN, tokens: 5, amount: '1' }] }, 'allowances[0]'],
  ])('refuses %j at %s', (input, path) => {
    try {
      parsePriceBook(input);
      expect.unreachable('parsed');
    } catch (err) {
      expect(err).toBeInstanceOf(TallyError);
      expect((err as TallyError).code).toBe('PRICE_BOOK_INVALID');
      expect(((err as TallyError).details.errors as { path: string }[]).map((e) => e.path)).toContain(path);
    }
  });
});

describe('rule kinds', () => {
  it('markup: each class is its cost × (100 + percent) / 100', () => {
    const e = event('gpt-4o', { input: 1000, cached_input: 500, output: 200 });
    const p = book({ rules: [{ kind: 'markup', percent: '12.5', effective_from: JAN }] }).price(e);
    for (const c of COST_CLASSES) expect(p.price[c]).toBe(divHalfEven(e.cost[c] * 1125n, 1000n));
    expect(p.price.input).toBe((e.cost.input * 9n) / 8n);
    expect(p.total).toBe(sum(p.price));
    expect(p.version).toBe('tenant:1');
    expect(p.incomplete).toBe(false);
  });

  it('contract: quantity × price per million tokens, per unit (audio seconds to the millisecond)', () => {
    const e = event('gpt-4o', { input: 1000, output: 3 }, { web_search_requests: 3, audio_seconds: 1.5, tool_calls: 2 });
    const p = book({
      rules: [{ kind: 'contract', effective_from: JAN, per_million: { input: '2.5', output: '0.000000001' }, per_unit: { web_search: '0.01', audio_second: '0.000000000000003' } }],
    }).price(e);
    expect(p.price.input).toBe(femto('0.0025'));
    expect(p.price.output).toBe(3n); // 3 tokens × 1e-9 USD per million = 3 femto-USD
    expect(p.price.web_search).toBe(femto('0.03'));
    expect(p.price.audio_second).toBe(4n); // 1.5 s × 3 femto = 4.5 → 4 (half to even)
    expect(p.price.tool_call).toBe(0n); // no rule covers it
    expect(p.total).toBe(femto('0.0325') + 7n);
  });

  it('request fee: amount × requests, in the request class', () => {
    const e = event('gpt-4o', { input: 1000 }, { requests: 3 });
    const p = book({ rules: [{ kind: 'markup', percent: 0, effective_from: JAN }, { kind: 'request_fee', amount: '0.002', effective_from: JAN }] }).price(e);
    expect(p.price.request).toBe(e.cost.request + femto('0.006'));
    expect(p.total).toBe(e.costTotal + femto('0.006'));
  });

  it('minimum: tops the event up to minimum × requests in the request class, and only when below it', () => {
    const cheap = event('gpt-4o', { input: 10 }, { requests: 2 });
    const rules = [{ kind: 'markup' as const, percent: 0, effective_from: JAN }, { kind: 'minimum' as const, amount: '0.01', effective_from: JAN }];
    const p = book({ rules }).price(cheap);
    expect(p.total).toBe(femto('0.02'));
    expect(p.price.input).toBe(cheap.cost.input);
    expect(p.price.request).toBe(femto('0.02') - cheap.cost.input);
    const dear = event('gpt-4o', { input: 10_000_000 });
    expect(book({ rules }).price(dear).total).toBe(dear.costTotal);
  });

  it('no rule matches: price 0 with the version of the book', () => {
    const p = book({ rules: [{ kind: 'markup', percent: 5, effective_from: JAN, match: { provider: 'anthropic' } }] }).price(event('gpt-4o', { input: 1000 }));
    expect(p.total).toBe(0n);
    expect(p.version).toBe('tenant:1');
  });
});

describe('precedence', () => {
  const e = event('gpt-4o-2024-08-06', { input: 1_000_000 });
  const contract = (usd: string, match?: Record<string, string>, from = JAN) => ({ kind: 'contract' as const, effective_from: from, per_million: { input: usd }, ...(match ? { match } : {}) });
  const input = (rules: PriceBookInput['rules']): bigint => book({ rules }).price(e).price.input;

  it('model beats family beats provider beats every event', () => {
    const all = [contract('1'), contract('2', { provider: 'openai' }), contract('3', { family: 'gpt-4o' }), contract('4', { model: 'gpt-4o-2024-08-06' })];
    expect(input(all)).toBe(femto('4'));
    expect(input(all.slice(0, 3))).toBe(femto('3'));
    expect(input(all.slice(0, 2))).toBe(femto('2'));
    expect(input(all.slice(0, 1))).toBe(femto('1'));
    // the order in the book does not matter
    expect(input([...all].reverse())).toBe(femto('4'));
  });

  it('a model is matched by its catalog key, the key without provider, or the id as reported', () => {
    expect(input([contract('1'), contract('5', { model: 'openai/gpt-4o-2024-08-06' })])).toBe(femto('5'));
    expect(input([contract('1'), contract('5', { model: 'gpt-4o-2024-08-06' })])).toBe(femto('5'));
    expect(input([contract('1'), contract('5', { model: 'gpt-4o' })])).toBe(femto('1')); // the head is a family, not this model
  });

  it('a family covers its snapshots and never a sibling', () => {
    const rules = [contract('1'), contract('7', { family: 'gpt-4o' })];
    expect(book({ rules }).price(e).price.input).toBe(femto('7'));
    expect(book({ rules }).price(event('gpt-4o-mini', { input: 1_000_000 })).price.input).toBe(femto('1'));
  });

  it('at one selector, a rule naming the class beats a markup on every class; a more specific selector beats both', () => {
    const markupAll = { kind: 'markup' as const, percent: '100', effective_from: JAN, match: { provider: 'openai' } };
    expect(input([markupAll, contract('9', { provider: 'openai' })])).toBe(femto('9'));
    const markupInput = { kind: 'markup' as const, percent: '100', effective_from: JAN, match: { provider: 'openai' }, classes: ['input' as const] };
    expect(input([markupInput, { ...markupAll, percent: '0' }])).toBe(e.cost.input * 2n);
    expect(input([{ ...markupAll, match: { model: 'gpt-4o-2024-08-06' } }, contract('9', { provider: 'openai' })])).toBe(e.cost.input * 2n);
  });

  it('rules not yet in force are skipped; of two in force, the later effective_from wins', () => {
    const rules = [contract('1', undefined, JAN), contract('2', undefined, '2026-11-10T12:00:00Z'), contract('3', undefined, '2026-11-10T12:00:00.001Z')];
    expect(input(rules)).toBe(femto('2')); // the event occurred at exactly 12:00:00.000
    expect(book({ rules }).price(event('gpt-4o-2024-08-06', { input: 1_000_000 }, {}, '2026-11-10T11:59:59.999Z')).price.input).toBe(femto('1'));
    expect(book({ rules }).price(event('gpt-4o-2024-08-06', { input: 1_000_000 }, {}, '2026-12-01T00:00:00Z')).price.input).toBe(femto('3'));
  });

  it('two selectors of one rank that both match: the later in the book wins', () => {
    expect(input([contract('5', { model: 'openai/gpt-4o-2024-08-06' }), contract('6', { model: 'gpt-4o-2024-08-06' })])).toBe(femto('6'));
    expect(input([contract('6', { model: 'gpt-4o-2024-08-06' }), contract('5', { model: 'openai/gpt-4o-2024-08-06' })])).toBe(femto('5'));
  });

  it('fee and minimum follow the same selector order', () => {
    const p = book({
      rules: [
        { kind: 'request_fee', amount: '1', effective_from: JAN },
        { kind: 'request_fee', amount: '2', effective_from: JAN, match: { provider: 'openai' } },
        { kind: 'minimum', amount: '10', effective_from: JAN, match: { provider: 'openai' } },
        { kind: 'minimum', amount: '20', effective_from: JAN, match: { family: 'gpt-4o' } },
      ],
    }).price(e);
    expect(p.total).toBe(femto('20'));
    expect(p.price.request).toBe(femto('20'));
  });
});

describe('rounding: half to even, per class, at the femto-dollar', () => {
  it.each([
    [1n, '50', 2n], // 1.5 → 2
    [3n, '50', 4n], // 4.5 → 4
    [5n, '50', 8n], // 7.5 → 8
    [1n, '25', 1n], // 1.25 → 1
    [1n, '75', 2n], // 1.75 → 2
    [1n, '-50', 0n], // 0.5 → 0
    [3n, '-50', 2n], // 1.5 → 2
    [7n, '0.000001', 7n], // 7.00000007 → 7
  ])('cost %s femto-USD at %s %% → %s', (cost, percent, price) => {
    const p = book({ rules: [{ kind: 'markup', percent, effective_from: JAN }] }).price(synthetic({ input: cost, output: cost }));
    expect(p.price.input).toBe(price);
    expect(p.price.output).toBe(price);
    expect(p.total).toBe(2n * price); // rounded per class, then summed
  });
});

describe('costs that are not a catalog breakdown', () => {
  it('an unpriced event: markup parts are 0 and the price is incomplete; contract parts are priced', () => {
    const e = event('no-such-model-xyz', { input: 1_000_000, output: 10 });
    expect(e.priced).toBe(false);
    const p = book({ rules: [{ kind: 'markup', percent: 20, effective_from: JAN }, { kind: 'contract', effective_from: JAN, per_million: { input: '1' } }] }).price(e);
    expect(p.price.input).toBe(femto('1'));
    expect(p.price.output).toBe(0n);
    expect(p.incomplete).toBe(true);
    const contractOnly = book({ rules: [{ kind: 'contract', effective_from: JAN, per_million: { input: '1' } }] }).price(e);
    expect(contractOnly.incomplete).toBe(false);
  });

  it('a reported cost is marked up as the request class', () => {
    const e = event('gpt-4o', { input: 10 }, { reported_cost: '0.5' }, AT, 'openrouter');
    expect(e.costSource).toBe('reported');
    const p = book({ rules: [{ kind: 'markup', percent: 10, effective_from: JAN }] }).price(e);
    expect(p.price.request).toBe(femto('0.55'));
    expect(p.total).toBe(femto('0.55'));
  });
});

describe('customers', () => {
  it("an event uses its user's book, else its tenant's, else none", () => {
    const markup = (percent: string) => parsePriceBook({ rules: [{ kind: 'markup', percent, effective_from: JAN }] });
    const set = new PriceBookSet(
      [
        { tenant: 'acme', user: '', version: '10', book: markup('10') },
        { tenant: 'acme', user: 'u-42', version: '11', book: markup('50') },
        { tenant: 'other', user: 'u-42', version: '12', book: markup('90') },
      ],
      '12',
      { families },
    );
    const e = synthetic({ input: 1000n });
    expect(set.price('acme', 'u-42', e)).toMatchObject({ total: 1500n, version: 'user:11' });
    expect(set.price('acme', 'u-7', e)).toMatchObject({ total: 1100n, version: 'tenant:10' });
    expect(set.price('acme', '', e)).toMatchObject({ total: 1100n, version: 'tenant:10' });
    expect(set.price('other', 'u-1', e)).toBeNull();
    expect(set.price('nobody', '', e)).toBeNull();
  });
});

describe('properties', () => {
  const amount = fc.bigInt({ min: 0n, max: 10n ** 24n });
  const tokenCounts = fc.record(Object.fromEntries(TOKEN_CLASSES.map((c) => [c, fc.nat({ max: 10_000_000 })])) as Record<(typeof TOKEN_CLASSES)[number], fc.Arbitrary<number>>);
  const costs = fc.record(Object.fromEntries(COST_CLASSES.map((c) => [c, amount])) as Record<CostClass, fc.Arbitrary<bigint>>);
  const decimal = (maxInt: number, scale: number) => fc.tuple(fc.nat({ max: maxInt }), fc.nat({ max: 10 ** Math.min(scale, 9) - 1 })).map(([i, f]) => `${i}.${String(f).padStart(Math.min(scale, 9), '0')}`);
  const rule = fc.oneof(
    fc.record({ kind: fc.constant('markup' as const), percent: fc.tuple(fc.integer({ min: -99, max: 999 }), fc.nat({ max: 999_999 })).map(([i, f]) => `${i}.${String(f).padStart(6, '0')}`), classes: fc.option(fc.subarray([...COST_CLASSES], { minLength: 1 }), { nil: undefined }) }),
    fc.record({ kind: fc.constant('contract' as const), per_million: fc.dictionary(fc.constantFrom(...TOKEN_CLASSES), decimal(1000, 9)), per_unit: fc.dictionary(fc.constantFrom(...UNIT_CLASSES), decimal(10, 15)) }).filter((r) => Object.keys(r.per_million).length + Object.keys(r.per_unit).length > 0),
    fc.record({ kind: fc.constantFrom('request_fee' as const, 'minimum' as const), amount: decimal(100, 15) }),
  );
  const dated = fc.tuple(rule, fc.constantFrom(JAN, '2026-06-01T00:00:00Z', '2026-12-01T00:00:00Z'), fc.constantFrom(undefined, { provider: 'openai' }, { model: 'gpt-4o' }));

  it('the classes sum to the total, and no class is negative', () => {
    fc.assert(
      fc.property(fc.array(dated, { maxLength: 8 }), tokenCounts, costs, fc.nat({ max: 5 }), (rules, tokens, cost, requests) => {
        let compiled;
        try {
          compiled = book({ rules: rules.map(([r, from, match]) => ({ ...r, effective_from: from, ...(match ? { match } : {}) })) as PriceBookInput['rules'] });
        } catch (err) {
          if ((err as TallyError).code === 'PRICE_BOOK_INVALID') return; // duplicate claims: refused, not priced
          throw err;
        }
        const e = { ...synthetic(cost, tokens), usage: usage(tokens, { requests, web_search_requests: 2, audio_seconds: 1.25, images: 1 }) };
        const p = compiled.price(e);
        expect(p.total).toBe(sum(p.price));
        for (const c of COST_CLASSES) expect(p.price[c] >= 0n).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('a 0 % markup on every class bills exactly the cost', () => {
    fc.assert(
      fc.property(tokenCounts, costs, (tokens, cost) => {
        const e = synthetic(cost, tokens);
        const p = book({ rules: [{ kind: 'markup', percent: '0', effective_from: JAN }] }).price(e);
        expect(p.price).toEqual(e.cost);
        expect(p.total).toBe(e.costTotal);
      }),
      { numRuns: 200 },
    );
  });
});

describe('markup in doubles', () => {
  it('rounds exactly as the bigint division does, half to even, on either side of 2^53', () => {
    const cost = fc.oneof(fc.bigInt({ min: 0n, max: 10n ** 18n }), fc.bigInt({ min: 0n, max: 2n ** 20n }), fc.constantFrom(0n, 1n, 2n ** 53n - 1n, 2n ** 53n, 5n, 15n, 25n));
    const fraction = fc.tuple(fc.bigInt({ min: 0n, max: 10n ** 9n }), fc.bigInt({ min: 1n, max: 10n ** 8n }));
    fc.assert(fc.property(cost, fraction, (c, [num, den]) => {
      expect(markup(c, num, den)).toBe(divHalfEven(c * num, den));
    }), { numRuns: 20_000 });
    // Ties: x.5 goes to the even neighbour.
    expect(markup(5n, 1n, 2n)).toBe(2n);
    expect(markup(15n, 1n, 10n)).toBe(2n);
    expect(markup(25n, 1n, 10n)).toBe(2n);
    expect(markup(35n, 1n, 10n)).toBe(4n);
  });
});
