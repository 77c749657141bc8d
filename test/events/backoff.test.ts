import { describe, expect, it } from 'vitest';
import { Backoff } from '../../src/events/backoff.js';

describe('Backoff', () => {
  it('doubles up to the cap, jittered within the upper half of the ceiling, and starts over on reset', () => {
    const highest = new Backoff(100, 1_000, () => 1);
    expect(Array.from({ length: 6 }, () => highest.next())).toEqual([100, 200, 400, 800, 1_000, 1_000]);
    const lowest = new Backoff(100, 1_000, () => 0);
    expect(Array.from({ length: 6 }, () => lowest.next())).toEqual([50, 100, 200, 400, 500, 500]);
    highest.reset();
    expect(highest.next()).toBe(100);
  });

  it('stays finite after very many failures', () => {
    const backoff = new Backoff(250, 30_000);
    for (let i = 0; i < 10_000; i++) backoff.next();
    const delay = backoff.next();
    expect(delay).toBeGreaterThanOrEqual(15_000);
    expect(delay).toBeLessThanOrEqual(30_000);
  });
});
