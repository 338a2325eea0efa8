import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../../../src/eventlog/kafka/breaker.js';

describe('the producer circuit breaker', () => {
  it('is closed until a send finds the log unavailable, then refuses all but one probe per interval', () => {
    let now = 1_000;
    const breaker = new CircuitBreaker(1_000, () => now);
    expect(breaker.admit()).toMatchObject({ allowed: true, probe: false });
    breaker.failed(false);
    expect(breaker.open).toBe(true);
    expect(breaker.admit()).toEqual({ allowed: false, probe: false, retryAfterSeconds: 1, openSince: 1_000 });
    now = 2_000;
    const probe = breaker.admit();
    expect(probe).toMatchObject({ allowed: true, probe: true });
    expect(breaker.admit()).toMatchObject({ allowed: false }); // one probe at a time
    breaker.failed(true);
    now = 2_500;
    expect(breaker.admit()).toMatchObject({ allowed: false, retryAfterSeconds: 1, openSince: 1_000 });
    now = 3_000;
    expect(breaker.admit()).toMatchObject({ allowed: true, probe: true });
    breaker.succeeded(true);
    expect(breaker.open).toBe(false);
    expect(breaker.admit()).toMatchObject({ allowed: true, probe: false });
  });

  it('a probe that ends for another reason frees the next probe without closing', () => {
    let now = 0;
    const breaker = new CircuitBreaker(5_000, () => now);
    breaker.failed(false);
    now = 5_000;
    expect(breaker.admit()).toMatchObject({ allowed: true, probe: true });
    breaker.released(true);
    expect(breaker.open).toBe(true);
    expect(breaker.admit()).toMatchObject({ allowed: true, probe: true });
  });

  it('says how long to wait, rounded up to whole seconds', () => {
    let now = 0;
    const breaker = new CircuitBreaker(2_500, () => now);
    breaker.failed(false);
    now = 100;
    expect(breaker.admit().retryAfterSeconds).toBe(3);
  });
});
