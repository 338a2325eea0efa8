import { describe, expect, it } from 'vitest';
import { demoEvents } from '../../src/demo/traffic.js';
import { acceptInput } from '../../src/pipeline/price-event.js';

describe('demo traffic', () => {
  it('is valid and normalizable, apart from the deliberately invalid share', () => {
    const now = new Date();
    const valid = demoEvents({ seed: 3 });
    for (let i = 0; i < 20_000; i++) {
      const out = acceptInput(valid.next().value, { receivedAt: now });
      if (!out.ok) throw new Error(`event ${i}: ${out.rejection.message}`);
    }
    const mixed = demoEvents({ seed: 4, invalidRate: 0.1 });
    let rejected = 0;
    for (let i = 0; i < 2_000; i++) if (!acceptInput(mixed.next().value, { receivedAt: now }).ok) rejected++;
    expect(rejected).toBeGreaterThan(100);
    expect(rejected).toBeLessThan(300);
  });
});
