import { describe, expect, it } from 'vitest';
import { isUuidv7, uuidv7 } from '../../src/events/ids.js';

describe('uuidv7', () => {
  it('makes valid, unique, time-ordered ids', () => {
    const ids = Array.from({ length: 10_000 }, () => uuidv7());
    expect(ids.every(isUuidv7)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });

  it('encodes the millisecond timestamp in the first 48 bits', () => {
    const id = uuidv7(Date.UTC(2026, 0, 31, 12));
    expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(Date.UTC(2026, 0, 31, 12));
  });
});
