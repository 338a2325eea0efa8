/** The RowBinary primitives, byte for byte: little-endian integers, Int128, LEB128 lengths at their boundaries, UTF-8 text. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { RowBinaryWriter } from '../../../src/store/rowbinary/writer.js';

function bytes(write: (w: RowBinaryWriter) => void, initial = 64): string {
  const w = new RowBinaryWriter(initial);
  write(w);
  return w.finish().toString('hex');
}

function le(n: bigint, size: number): string {
  const b = Buffer.alloc(size);
  let v = BigInt.asUintN(size * 8, n);
  for (let i = 0; i < size; i++) {
    b[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return b.toString('hex');
}

describe('RowBinaryWriter', () => {
  it('writes integers little-endian, two\'s complement', () => {
    expect(bytes((w) => w.int8(-1))).toBe('ff');
    expect(bytes((w) => w.int32(-1))).toBe('ffffffff');
    expect(bytes((w) => w.uint32(2 ** 32 - 1))).toBe('ffffffff');
    expect(bytes((w) => w.int64(-1))).toBe('ffffffffffffffff');
    expect(bytes((w) => w.int64(-(2 ** 32) - 1))).toBe(le(-(2n ** 32n) - 1n, 8));
    expect(bytes((w) => w.uint64(Number.MAX_SAFE_INTEGER))).toBe(le(2n ** 53n - 1n, 8));
    expect(bytes((w) => w.uint64Big(2n ** 64n - 1n))).toBe('ffffffffffffffff');
    expect(bytes((w) => w.int64Big(-(2n ** 63n)))).toBe(le(-(2n ** 63n), 8));
  });

  it('writes any Int128 as the engine reads it', () => {
    fc.assert(
      fc.property(fc.bigInt(-(2n ** 127n), 2n ** 127n - 1n), (v) => {
        expect(bytes((w) => w.int128(v))).toBe(le(v, 16));
      }),
    );
    for (const v of [0n, 1n, -1n, 2n ** 63n - 1n, -(2n ** 63n), 2n ** 63n, -(2n ** 63n) - 1n]) expect(bytes((w) => w.int128(v))).toBe(le(v, 16));
  });

  it('writes every Decimal(38, s) amount as its Int128, zeros among others too (all 16 bytes, over a reused buffer)', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constant(0n), fc.bigInt(-(10n ** 38n) + 1n, 10n ** 38n - 1n)), { maxLength: 40 }), (values) => {
        // A small first buffer: it grows by copying, and its unwritten bytes are whatever allocUnsafe left there.
        expect(bytes((w) => values.forEach((v) => w.decimal38(v)), 16)).toBe(values.map((v) => le(v, 16)).join(''));
      }),
    );
  });

  it('refuses what its column cannot hold', () => {
    const w = new RowBinaryWriter();
    expect(() => w.uint64(-1)).toThrow(/UInt64/);
    expect(() => w.uint64(1.5)).toThrow(/UInt64/);
    expect(() => w.uint32(2 ** 32)).toThrow(/UInt32/);
    expect(() => w.int8(128)).toThrow(/Int8/);
    expect(() => w.decimal38(10n ** 38n)).toThrow(/Decimal/);
    expect(() => w.decimal38(-(10n ** 38n))).toThrow(/Decimal/);
    expect(w.length).toBe(0);
  });

  it('prefixes text with its UTF-8 length in LEB128, at every length boundary, growing its buffer', () => {
    for (const text of ['', 'a', 'x'.repeat(127), 'x'.repeat(128), 'é'.repeat(63), 'é'.repeat(64), '🙂'.repeat(4095), '🙂'.repeat(4096), 'y'.repeat(16_384), '漢'.repeat(50_000)]) {
      const utf8 = Buffer.from(text, 'utf8');
      const w = new RowBinaryWriter(8);
      w.string(text);
      const out = w.finish();
      let len = 0;
      let shift = 1;
      let i = 0;
      for (;;) {
        const b = out[i++] as number;
        len += (b & 0x7f) * shift;
        shift *= 128;
        if (b < 0x80) break;
      }
      expect(len).toBe(utf8.length);
      expect(out.subarray(i).equals(utf8)).toBe(true);
    }
  });

  it('writes a row of mixed values in order, across buffer growth', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary', maxLength: 300 }), { maxLength: 20 }), (texts) => {
        const w = new RowBinaryWriter(16);
        w.varUint(texts.length);
        for (const t of texts) w.string(t);
        const expected = Buffer.concat([Buffer.from([texts.length]), ...texts.map((t) => {
          const u = Buffer.from(t, 'utf8');
          const head = u.length < 128 ? Buffer.from([u.length]) : Buffer.from([(u.length % 128) | 0x80, Math.floor(u.length / 128)]);
          return Buffer.concat([head, u]);
        })]);
        expect(w.finish().equals(expected)).toBe(true);
      }),
    );
  });
});
