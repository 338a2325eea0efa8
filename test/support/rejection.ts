import { expect } from 'vitest';
import { TallyError } from '../../src/core/errors.js';

/** The TallyError `p` rejects with; fails the test when it resolves or rejects with anything else. */
export async function rejection(p: Promise<unknown>): Promise<TallyError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(TallyError);
    return err as TallyError;
  }
  throw new Error('expected a rejection');
}
