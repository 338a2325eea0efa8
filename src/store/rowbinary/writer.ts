/**
 * ClickHouse RowBinary, the primitives: one growing Buffer per insert, values
 * appended in column order, no object per row or per value. Little-endian
 * throughout, as the format is:
 *
 * | type | bytes |
 * |---|---|
 * | String, LowCardinality(String) | LEB128 byte length, then the UTF-8 bytes |
 * | Nullable(X) | 1 byte (1 = NULL, and nothing follows; 0 = X follows) |
 * | Bool, UInt8, Int8 | 1 byte |
 * | (U)Int32, (U)Int64 | 4, 8 bytes |
 * | Decimal(38, s) | Int128 of the unscaled value (16 bytes) |
 * | Decimal(18, s) | Int64 of the unscaled value |
 * | Float64 | IEEE 754 double |
 * | DateTime64(3) | Int64 epoch milliseconds |
 * | Array(X), Map(K, V) | LEB128 count, then the items (a map's as key, value pairs) |
 *
 * Integers given as numbers must be safe integers in the column's range; the
 * writer checks what the format could not (a fraction, a value out of range),
 * since a binary insert, unlike a text one, stores whatever bits it is sent.
 */
import { TallyError } from '../../core/errors.js';

const TWO_32 = 4_294_967_296;
const MIN_INT64 = -(2n ** 63n);
const MAX_INT64 = 2n ** 63n - 1n;
const MAX_UINT64 = 2n ** 64n - 1n;
const MIN_INT128 = -(2n ** 127n);
const MAX_INT128 = 2n ** 127n - 1n;
/** The largest unscaled Decimal(38, s): 38 nines. */
const MAX_DECIMAL38 = 10n ** 38n - 1n;

/** Bytes of the LEB128 form of a non-negative integer below 2^53. */
function varUintSize(n: number): number {
  let size = 1;
  while (n >= 128) {
    n = Math.floor(n / 128);
    size++;
  }
  return size;
}

function outOfRange(what: string, value: number | bigint): TallyError {
  return new TallyError('INTERNAL', `RowBinary: ${String(value)} is not a valid ${what}`);
}

export class RowBinaryWriter {
  private buf: Buffer;
  private view: DataView;
  private pos = 0;

  /** `initialBytes`: the first buffer's size (it doubles when full); e.g. rows × a typical row's size. */
  constructor(initialBytes = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(Math.max(64, initialBytes));
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  }

  /** Bytes written so far. */
  get length(): number {
    return this.pos;
  }

  /** The bytes written, as a view of the writer's buffer (valid until the next write). */
  finish(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  /** Makes room for `n` more bytes. */
  private reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
    this.view = new DataView(next.buffer, next.byteOffset, next.byteLength);
  }

  uint8(v: number): void {
    this.reserve(1);
    this.buf[this.pos++] = v;
  }

  int8(v: number): void {
    if (!Number.isInteger(v) || v < -128 || v > 127) throw outOfRange('Int8', v);
    this.uint8(v & 0xff);
  }

  bool(v: boolean): void {
    this.uint8(v ? 1 : 0);
  }

  /** The Nullable(X) flag: true when the value is NULL (write nothing after it then). */
  isNull(isNull: boolean): void {
    this.uint8(isNull ? 1 : 0);
  }

  int32(v: number): void {
    if (!Number.isInteger(v) || v < -2_147_483_648 || v > 2_147_483_647) throw outOfRange('Int32', v);
    this.reserve(4);
    this.view.setInt32(this.pos, v, true);
    this.pos += 4;
  }

  uint32(v: number): void {
    if (!Number.isInteger(v) || v < 0 || v >= TWO_32) throw outOfRange('UInt32', v);
    this.reserve(4);
    this.view.setUint32(this.pos, v, true);
    this.pos += 4;
  }

  /** Int64 from a safe integer (negative ones too). */
  int64(v: number): void {
    if (!Number.isSafeInteger(v)) throw outOfRange('Int64 (as a safe integer)', v);
    const hi = Math.floor(v / TWO_32);
    this.reserve(8);
    this.view.setUint32(this.pos, v - hi * TWO_32, true);
    this.view.setInt32(this.pos + 4, hi, true);
    this.pos += 8;
  }

  /** UInt64 from a non-negative safe integer. */
  uint64(v: number): void {
    if (!Number.isSafeInteger(v) || v < 0) throw outOfRange('UInt64 (as a safe integer)', v);
    const hi = Math.floor(v / TWO_32);
    this.reserve(8);
    this.view.setUint32(this.pos, v - hi * TWO_32, true);
    this.view.setUint32(this.pos + 4, hi, true);
    this.pos += 8;
  }

  int64Big(v: bigint): void {
    if (v < MIN_INT64 || v > MAX_INT64) throw outOfRange('Int64', v);
    this.reserve(8);
    this.view.setBigInt64(this.pos, v, true);
    this.pos += 8;
  }

  uint64Big(v: bigint): void {
    if (v < 0n || v > MAX_UINT64) throw outOfRange('UInt64', v);
    this.reserve(8);
    this.view.setBigUint64(this.pos, v, true);
    this.pos += 8;
  }

  /** Int128, two's complement: the unscaled value of a Decimal(38, s). Zero and 64-bit values take a short path. */
  int128(v: bigint): void {
    this.reserve(16);
    const at = this.pos;
    this.pos += 16;
    if (v === 0n) {
      this.view.setBigUint64(at, 0n, true);
      this.view.setBigUint64(at + 8, 0n, true);
      return;
    }
    if (v >= MIN_INT64 && v <= MAX_INT64) {
      this.view.setBigInt64(at, v, true);
      this.view.setInt32(at + 8, v < 0n ? -1 : 0, true);
      this.view.setInt32(at + 12, v < 0n ? -1 : 0, true);
      return;
    }
    if (v < MIN_INT128 || v > MAX_INT128) {
      this.pos = at;
      throw outOfRange('Int128', v);
    }
    this.view.setBigUint64(at, BigInt.asUintN(64, v), true);
    this.view.setBigInt64(at + 8, v >> 64n, true);
  }

  /** Decimal(38, s) from its unscaled value: Int128, refused beyond 38 digits (a text insert would be refused too). */
  decimal38(v: bigint): void {
    if (v === 0n) {
      // Most of a row's 35 amounts are zero (cost classes the event did not use): 16 zero bytes, no BigInt setter.
      this.reserve(16);
      const at = this.pos;
      this.view.setUint32(at, 0, true);
      this.view.setUint32(at + 4, 0, true);
      this.view.setUint32(at + 8, 0, true);
      this.view.setUint32(at + 12, 0, true);
      this.pos = at + 16;
      return;
    }
    if (v > MAX_DECIMAL38 || v < -MAX_DECIMAL38) throw outOfRange('Decimal(38, s) unscaled value', v);
    this.int128(v);
  }

  float64(v: number): void {
    this.reserve(8);
    this.view.setFloat64(this.pos, v, true);
    this.pos += 8;
  }

  /** LEB128: the length of a String, the count of an Array or a Map. */
  varUint(n: number): void {
    this.reserve(varUintSize(n));
    const buf = this.buf;
    let p = this.pos;
    while (n >= 128) {
      buf[p++] = (n % 128) | 0x80;
      n = Math.floor(n / 128);
    }
    buf[p++] = n;
    this.pos = p;
  }

  /**
   * A String: its UTF-8 byte length (LEB128), then the bytes. Short ASCII text
   * (most columns) is copied byte by byte; anything else is encoded once by
   * Buffer#write after room for the longest length prefix, which moves down
   * when the text came out shorter.
   */
  string(s: string): void {
    const n = s.length;
    if (n < 128) {
      this.reserve(1 + n * 3);
      const buf = this.buf;
      const start = this.pos + 1;
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        buf[start + i] = c;
      }
      if (i === n) {
        buf[this.pos] = n;
        this.pos = start + n;
        return;
      }
    }
    const max = n * 3;
    const head = varUintSize(max);
    this.reserve(head + max);
    const at = this.pos;
    const written = this.buf.write(s, at + head, 'utf8');
    const size = varUintSize(written);
    if (size < head) this.buf.copyWithin(at + size, at + head, at + head + written);
    this.varUint(written);
    this.pos = at + size + written;
  }
}
