/**
 * The pieces both adapters share, without a store running: parameter
 * normalisation, row encoding, settings, error classification, the client
 * logger adapter, and the test stand-in's parameter decoding.
 */
import { describe, expect, it } from 'vitest';
import { ClickHouseError } from '@clickhouse/client';
import { Writable } from 'node:stream';
import { assertIdentifier, normalizeParams, parseJsonEachRow, stringifyJson, toCompactRows, toJsonLines } from '../../../src/store/sql.js';
import { OUTPUT_SETTINGS, toConnectionArgs } from '../../../src/store/settings.js';
import { engineError, parseClickHouseCode, parseClickHouseType } from '../../../src/store/errors.js';
import { mapChdbError } from '../../../src/store/chdb/store.js';
import { mapClickHouseError } from '../../../src/store/clickhouse/store.js';
import { clickHouseLoggerClass } from '../../../src/store/clickhouse/logger.js';
import { TallyError } from '../../../src/core/errors.js';
import { createLogger, type Logger } from '../../../src/core/logger.js';
import { declaredParamTypes, paramValueForChdb, parseLiteral, unescapeTsv } from '../../support/clickhouse-standin-params.js';
import { formatDateTime64 } from '../../../src/core/time.js';

describe('bound parameters', () => {
  it('normalise Dates, top-level booleans and nested arrays the same way for both adapters', () => {
    expect(
      normalizeParams({
        s: "x'); DROP TABLE t; --",
        n: 5,
        big: 18446744073709551615n,
        yes: true,
        none: null,
        missing: undefined,
        at: new Date('2026-03-10T12:00:00.5Z'),
        list: ['a', new Date(0), false, [1n]],
      }),
    ).toEqual({
      s: "x'); DROP TABLE t; --",
      n: 5,
      big: 18446744073709551615n,
      yes: 1,
      none: null,
      missing: null,
      at: '2026-03-10 12:00:00.500',
      list: ['a', '1970-01-01 00:00:00.000', false, [1n]],
    });
  });

  it('refuse names and values that cannot be bound', () => {
    expect(() => normalizeParams({ 'a b': 1 })).toThrow(/invalid name/);
    expect(() => normalizeParams({ x: Number.NaN })).toThrow(/finite/);
    expect(() => normalizeParams({ x: { a: 1 } })).toThrow(TallyError);
    expect(() => normalizeParams({ x: new Date('nope') })).toThrow(/invalid Date/);
  });

  it('identifiers are plain names only', () => {
    expect(assertIdentifier('tally_test_1', 'database')).toBe('tally_test_1');
    for (const bad of ['', '1abc', 'a-b', 'a.b', 'a`b', 'a b', "a';--"]) expect(() => assertIdentifier(bad, 'database')).toThrow(TallyError);
  });

  it('DateTime64 text is UTC with milliseconds', () => {
    expect(formatDateTime64(new Date('2026-01-02T03:04:05.006Z'))).toBe('2026-01-02 03:04:05.006');
  });
});

describe('row encoding', () => {
  it('uses the compact form when every row has the same keys in the same order', () => {
    expect(toCompactRows([{ a: 1, b: 'x' }, { a: 2, b: 'y' }])).toEqual({ columns: ['a', 'b'], values: [[1, 'x'], [2, 'y']] });
    expect(toCompactRows([{ a: 1, b: 'x' }, { b: 'y', a: 2 }])).toBeNull();
    expect(toCompactRows([{ a: 1 }, { a: 2, b: 'y' }])).toBeNull();
    expect(toCompactRows([])).toBeNull();
  });

  it('writes one JSON document per line, bigints as decimal text', () => {
    expect(toJsonLines([{ a: 1n }, [2n, 'x']])).toBe('{"a":"1"}\n["2","x"]\n');
    expect(stringifyJson({ v: 12345678901234567890n })).toBe('{"v":"12345678901234567890"}');
  });

  it('parses JSONEachRow text', () => {
    expect(parseJsonEachRow('{"a":"1"}\n{"a":"2"}\n')).toEqual([{ a: '1' }, { a: '2' }]);
    expect(parseJsonEachRow('')).toEqual([]);
  });
});

describe('settings', () => {
  it('quote 64-bit integers and decimals and fix the DateTime text form', () => {
    expect(OUTPUT_SETTINGS).toMatchObject({
      output_format_json_quote_64bit_integers: 1,
      output_format_json_quote_decimals: 1,
      output_format_decimal_trailing_zeros: 0,
      date_time_output_format: 'simple',
    });
  });

  it('become chDB connection arguments, refusing odd names', () => {
    expect(toConnectionArgs({ output_format_json_quote_decimals: 1, date_time_output_format: 'simple' })).toEqual([
      '--output_format_json_quote_decimals=1',
      '--date_time_output_format=simple',
    ]);
    expect(() => toConnectionArgs({ '--path': 1 })).toThrow(RangeError);
    expect(() => toConnectionArgs({ x: 'a\0b' })).toThrow(RangeError);
  });
});

describe('error classification', () => {
  it('reads the code and type of a ClickHouse message', () => {
    const m = 'Code: 62. DB::Exception: Syntax error: failed at position 1. (SYNTAX_ERROR) (version 25.8.1)';
    expect(parseClickHouseCode(m)).toBe(62);
    expect(parseClickHouseType(m)).toBe('SYNTAX_ERROR');
  });

  it('treats server-state codes as retriable STORE_UNAVAILABLE and the rest as STORE_QUERY_FAILED', () => {
    const ctx = { adapter: 'clickhouse', op: 'insert' } as const;
    expect(engineError(241, 'Memory limit (MEMORY_LIMIT_EXCEEDED)', ctx, null)).toMatchObject({ code: 'STORE_UNAVAILABLE', retriable: true });
    expect(engineError(252, 'Too many parts (TOO_MANY_PARTS)', ctx, null)).toMatchObject({ code: 'STORE_UNAVAILABLE', retriable: true });
    expect(engineError(62, 'Syntax error (SYNTAX_ERROR)', ctx, null)).toMatchObject({
      code: 'STORE_QUERY_FAILED',
      retriable: false,
      details: { adapter: 'clickhouse', op: 'insert', clickhouseCode: 62, clickhouseType: 'SYNTAX_ERROR' },
    });
  });

  it('maps chDB failures: engine trouble is unavailable, statement trouble carries its code', () => {
    const engineDown = Object.assign(new Error('connection gone'), { code: 'CHDB_CLOSED' });
    expect(mapChdbError(engineDown, 'query')).toMatchObject({ code: 'STORE_UNAVAILABLE', retriable: true });
    const syntax = Object.assign(new Error('Code: 62. DB::Exception: Syntax error. (SYNTAX_ERROR)'), { code: 'CHDB_SYNTAX', clickhouseCode: 62 });
    expect(mapChdbError(syntax, 'query')).toMatchObject({ code: 'STORE_QUERY_FAILED', details: { clickhouseCode: 62, adapter: 'chdb' } });
    const busy = Object.assign(new Error('Code: 241. DB::Exception: Memory limit exceeded. (MEMORY_LIMIT_EXCEEDED)'), { code: 'CHDB_QUERY', clickhouseCode: 241 });
    expect(mapChdbError(busy, 'insert')).toMatchObject({ code: 'STORE_UNAVAILABLE' });
  });

  it('maps client failures: network and timeouts are unavailable, server exceptions by code', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    expect(mapClickHouseError(refused, 'query')).toMatchObject({ code: 'STORE_UNAVAILABLE', retriable: true });
    expect(mapClickHouseError(new Error('Timeout error.'), 'query')).toMatchObject({ code: 'STORE_UNAVAILABLE' });
    expect(mapClickHouseError(new Error('<html>502 Bad Gateway</html>'), 'query')).toMatchObject({ code: 'STORE_UNAVAILABLE' });
    const syntax = new ClickHouseError({ message: 'Syntax error', code: '62', type: 'SYNTAX_ERROR' });
    expect(mapClickHouseError(syntax, 'query')).toMatchObject({ code: 'STORE_QUERY_FAILED', details: { clickhouseCode: 62 } });
    const parts = new ClickHouseError({ message: 'Too many parts', code: '252', type: 'TOO_MANY_PARTS' });
    expect(mapClickHouseError(parts, 'insert')).toMatchObject({ code: 'STORE_UNAVAILABLE' });
    expect(mapClickHouseError(new TypeError('bad argument'), 'query')).toMatchObject({ code: 'STORE_QUERY_FAILED' });
  });
});

describe('ClickHouse client logger adapter', () => {
  function capture(level: string): { lines: Record<string, unknown>[]; log: Logger } {
    const lines: Record<string, unknown>[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _enc, done): void {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    });
    return { lines, log: createLogger({ level, destination: stream }) };
  }

  it('writes through pino and leaves query text and values out unless asked', () => {
    const { lines, log } = capture('debug');
    const Logger = clickHouseLoggerClass(log);
    new Logger().warn({ module: 'HTTP Adapter', message: 'retrying', args: { query: 'SELECT secret', query_params: { user: 'alice' }, query_id: 'q1' } });
    expect(lines[0]).toMatchObject({ level: 40, module: 'HTTP Adapter', query_id: 'q1', msg: 'retrying' });
    expect(lines[0]).not.toHaveProperty('query');
    expect(lines[0]).not.toHaveProperty('query_params');
    const Verbose = clickHouseLoggerClass(log, true);
    new Verbose().debug({ module: 'Client', message: 'sent', args: { query: 'SELECT 1' } });
    expect(lines[1]).toMatchObject({ level: 20, query: 'SELECT 1' });
  });
});

describe('test stand-in parameter decoding', () => {
  it('finds declared parameter types', () => {
    expect([...declaredParamTypes("SELECT {a:String}, { b : Array(String) }, {t:DateTime64(3, 'UTC')}").entries()]).toEqual([
      ['a', 'String'],
      ['b', 'Array(String)'],
      ['t', "DateTime64(3, 'UTC')"],
    ]);
  });

  it('unescapes scalar TSV text and parses compound literals', () => {
    expect(unescapeTsv("a\\tb\\nc\\\\d\\'e")).toBe("a\tb\nc\\d'e");
    expect(paramValueForChdb('String', "x\\'); DROP")).toBe("x'); DROP");
    expect(paramValueForChdb('Nullable(String)', '\\N')).toBeNull();
    expect(paramValueForChdb('Array(String)', "['a\\'b','c\\\\d','e\\tf']")).toEqual(["a'b", 'c\\d', 'e\tf']);
    expect(paramValueForChdb('Array(Date)', "['2026-03-01','2026-03-02']")).toEqual(['2026-03-01', '2026-03-02']);
    expect(parseLiteral('[1, -2, 3.5, NULL, true, []]')).toEqual([1n, -2n, 3.5, null, true, []]);
    expect(parseLiteral("{'k':'v','n':[1]}")).toEqual(new Map<unknown, unknown>([['k', 'v'], ['n', [1n]]]));
    expect(() => paramValueForChdb('Tuple(String, UInt8)', "('a',1)")).toThrow(/not supported/);
    expect(() => parseLiteral("['open")).toThrow();
  });
});
