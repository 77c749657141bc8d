import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { DictStore, MemoryBudget, MemoryBuckets } from '../../src/stores/memory.js';
import { UrlSigner } from '../../src/stores/signed-url.js';
import { chunked, failingAfter, readAll, rejection, storeContract } from './contract.js';

const signer = new UrlSigner(randomBytes(32), 'http://mediastore.test');

storeContract('DictStore', () => {
  const memory = new MemoryBuckets(new MemoryBudget(64 * 1024 ** 2));
  const store = new DictStore('contract', memory, signer.forStore('ram'));
  // Each contract test gets a fresh process-like memory; nothing may stay reserved after a failure.
  return { store, leftovers: async () => (memory.budget.used === 0 ? [] : [`${memory.budget.used} bytes reserved`]) };
});

describe('DictStore byte budget', () => {
  const KiB = 1024;
  const setup = () => {
    const memory = new MemoryBuckets(new MemoryBudget(1024 * KiB));
    return { memory, a: new DictStore('a', memory, signer.forStore('a')), b: new DictStore('b', memory, signer.forStore('b')) };
  };

  it('is shared by all buckets: 507 with a clear message when full, and nothing kept', async () => {
    const { memory, a, b } = setup();
    await a.put('one', chunked(randomBytes(600 * KiB)));
    expect(memory.budget.used).toBe(600 * KiB);
    const err = await rejection(b.put('two', chunked(randomBytes(600 * KiB))));
    expect(err.status).toBe(507);
    expect(err.message).toMatch(/DictStore "b" is full: .*1048576 bytes .*DICT_STORE_MAX_BYTES/);
    expect(await b.head('two')).toBeUndefined();
    expect(memory.budget.used).toBe(600 * KiB);
  });

  it('releases bytes on delete, on replacement and on a failed put', async () => {
    const { memory, a } = setup();
    await a.put('x', chunked(randomBytes(700 * KiB)));
    await a.put('x', chunked(randomBytes(100 * KiB)));
    expect(memory.budget.used).toBe(100 * KiB);
    await expect(a.put('y', failingAfter(300 * KiB))).rejects.toThrow();
    expect(memory.budget.used).toBe(100 * KiB);
    await a.delete('x');
    await a.delete('x');
    expect(memory.budget.used).toBe(0);
    await a.put('z', chunked(randomBytes(1024 * KiB)));
    expect(memory.budget.used).toBe(1024 * KiB);
  });

  it('keeps content type and checksums, and accounts for exact bytes even for pooled chunks', async () => {
    const { memory, a } = setup();
    // Small Buffer.from() chunks are views into a shared 8 KiB pool.
    const chunks = Array.from({ length: 100 }, (_, i) => Buffer.from(`chunk ${i};`));
    const total = Buffer.concat(chunks);
    const stored = await a.put('pooled', Readable.from(chunks), { contentType: 'text/plain' });
    expect(memory.budget.used).toBe(total.length);
    expect(await readAll(a, 'pooled')).toEqual(total);
    expect(await a.head('pooled')).toMatchObject({ size: total.length, contentType: 'text/plain', sha256: stored.sha256, md5: stored.md5 });
  });
});
