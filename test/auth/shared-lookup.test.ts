import { describe, expect, it } from 'vitest';
import { sharedLookup } from '../../src/auth/shared-lookup.js';

describe('sharedLookup', () => {
  it('gives lookups of one key made in one turn of the event loop one query; later ones, and other keys, a query of their own', async () => {
    const queries: string[] = [];
    let version = 0;
    const lookup = sharedLookup(async (key: string) => {
      queries.push(key);
      const seen = version;
      await new Promise((resolve) => setTimeout(resolve, 20));
      return `${key}@${seen}`;
    });
    const first = [lookup('alice'), lookup('alice'), lookup('bob')];
    // Sent, not answered yet: a change made now must be seen by the lookups that follow.
    await new Promise((resolve) => setImmediate(resolve));
    version = 1;
    const second = lookup('alice');
    expect(await Promise.all(first)).toEqual(['alice@0', 'alice@0', 'bob@0']);
    expect(await second).toBe('alice@1');
    expect(queries).toEqual(['alice', 'bob', 'alice']);
  });
});
