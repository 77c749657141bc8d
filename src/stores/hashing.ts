import { createHash, type Hash } from 'node:crypto';
import { finished, Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ApiError, payloadTooLarge, ValidationError } from '../http/errors.js';
import type { ExpectedChecksums } from './store.js';

export type ChecksumAlgorithm = 'sha256' | 'md5';

/** Size and lowercase hex digests of a byte stream. */
export interface Digests {
  size: number;
  sha256: string;
  md5: string;
}

export interface ChecksumMismatch {
  field: 'size' | ChecksumAlgorithm;
  expected: string | number;
  /** Undefined when the stream was cut short of the expected size. */
  actual?: string | number;
}

/** The bytes did not match what the client promised (422); the store kept nothing. */
export class ChecksumMismatchError extends ApiError {
  override name = 'ChecksumMismatchError';
  constructor(readonly mismatches: ChecksumMismatch[]) {
    const issues = mismatches.map((m) =>
      m.actual === undefined
        ? `${m.field}: more bytes than the expected ${m.expected} were sent`
        : `${m.field}: expected ${m.expected}, received bytes give ${m.actual}`,
    );
    super(422, `checksum mismatch, nothing was stored: ${issues.join('; ')}`, issues.map((error) => ({ error })));
  }
}

export interface DigestStreamOptions {
  expected?: ExpectedChecksums;
  maxBytes?: number;
}

/**
 * A pass-through that measures size, SHA-256 and MD5 of what flows through it. Expected
 * values are checked before the stream ends, so a sink sees an error instead of the end of
 * the stream when the bytes are wrong: nothing downstream ever commits a bad object. Too many
 * bytes fail as soon as the limit (or the expected size) is crossed.
 */
export class DigestStream extends Transform {
  readonly #sha256: Hash = createHash('sha256');
  readonly #md5: Hash = createHash('md5');
  #size = 0;
  #digests: Digests | undefined;

  constructor(private readonly options: DigestStreamOptions = {}) {
    super();
  }

  /** Available once the stream has ended. */
  get digests(): Digests {
    if (!this.#digests) throw new Error('DigestStream: digests read before the stream ended');
    return this.#digests;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#size += chunk.length;
    const { maxBytes, expected } = this.options;
    if (maxBytes !== undefined && this.#size > maxBytes) {
      return callback(payloadTooLarge(`object larger than the limit of ${maxBytes} bytes`));
    }
    if (expected?.size !== undefined && this.#size > expected.size) {
      return callback(new ChecksumMismatchError([{ field: 'size', expected: expected.size }]));
    }
    this.#sha256.update(chunk);
    this.#md5.update(chunk);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    const digests = { size: this.#size, sha256: this.#sha256.digest('hex'), md5: this.#md5.digest('hex') };
    const mismatches = this.options.expected ? compareChecksums(digests, this.options.expected) : [];
    if (mismatches.length) return callback(new ChecksumMismatchError(mismatches));
    this.#digests = digests;
    callback();
  }
}

/**
 * A DigestStream carrying `body`'s bytes. `body` is never destroyed by what happens
 * downstream: it is usually an HTTP request, and the caller must still be able to answer
 * (413, 422, 507...). A failure of `body` (an error, or its end before completion, as when
 * a client disconnects) fails the DigestStream, and so the put.
 */
export function digesting(body: Readable, options: DigestStreamOptions = {}): DigestStream {
  const digest = new DigestStream(options);
  finished(body, { writable: false }, (err) => {
    if (err && !digest.destroyed) digest.destroy(err);
  });
  // Errors reach whoever consumes the digest; this only keeps an early one from being unhandled.
  digest.on('error', () => undefined);
  body.pipe(digest);
  return digest;
}

/** Reads a whole stream and returns its digests (fixity checks). */
export async function digestOf(body: Readable): Promise<Digests> {
  const digest = new DigestStream();
  await pipeline(body, digest, async (chunks: AsyncIterable<Buffer>) => {
    for await (const _ of chunks);
  });
  return digest.digests;
}

export function compareChecksums(actual: Digests, expected: ExpectedChecksums): ChecksumMismatch[] {
  const mismatches: ChecksumMismatch[] = [];
  if (expected.size !== undefined && expected.size !== actual.size) {
    mismatches.push({ field: 'size', expected: expected.size, actual: actual.size });
  }
  for (const field of ['sha256', 'md5'] as const) {
    const want = expected[field];
    if (want !== undefined && (digestToHex(want, field) ?? want) !== actual[field]) {
      mismatches.push({ field, expected: want, actual: actual[field] });
    }
  }
  return mismatches;
}

const DIGEST_BYTES: Record<ChecksumAlgorithm, number> = { sha256: 32, md5: 16 };

/**
 * A digest given as hex or base64 (standard or URL-safe, padded or not), as lowercase hex;
 * undefined when it is neither or has the wrong length. `Content-MD5` is base64; checksum
 * headers and JSON fields are usually hex. The lengths never overlap, so it is unambiguous.
 */
export function digestToHex(value: string, algorithm: ChecksumAlgorithm): string | undefined {
  const bytes = DIGEST_BYTES[algorithm];
  const v = value.trim();
  if (v.length === bytes * 2 && /^[0-9a-fA-F]+$/.test(v)) return v.toLowerCase();
  const base64 = v.replace(/-/g, '+').replace(/_/g, '/').replace(/={1,2}$/, '');
  if (/^[A-Za-z0-9+/]+$/.test(base64)) {
    const decoded = Buffer.from(base64, 'base64');
    // Re-encoding rejects strings Node would decode leniently (stray trailing bits).
    if (decoded.length === bytes && decoded.toString('base64').replace(/=+$/, '') === base64) return decoded.toString('hex');
  }
  return undefined;
}

/** Like `digestToHex`, but a malformed value is a 422 naming where it came from (e.g. `['header', 'content-md5']`). */
export function parseChecksum(value: string, algorithm: ChecksumAlgorithm, loc: (string | number)[]): string {
  const hex = digestToHex(value, algorithm);
  if (hex === undefined) {
    const bytes = DIGEST_BYTES[algorithm];
    throw new ValidationError([
      { loc, msg: `must be a ${algorithm} digest: ${bytes * 2} hex characters or ${bytes} bytes in base64`, type: 'value_error' },
    ]);
  }
  return hex;
}
