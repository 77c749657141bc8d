import { rangeNotSatisfiable } from '../http/errors.js';
import type { ByteRange } from './store.js';

/**
 * The single byte range of a `Range` header. Anything else (another unit, several ranges,
 * a malformed value) yields undefined: RFC 9110 lets a server ignore such a header and send
 * the whole object, which every client handles.
 */
export function parseRangeHeader(header: string | undefined): ByteRange | undefined {
  if (!header) return undefined;
  const m = /^bytes=\s*(\d*)-(\d*)\s*$/i.exec(header.trim());
  if (!m) return undefined;
  const [, first = '', last = ''] = m;
  if (first === '' && last === '') return undefined;
  if (first === '') return { suffix: safeInt(last) };
  const start = safeInt(first);
  if (last === '') return { start };
  const end = safeInt(last);
  return end < start ? undefined : { start, end };
}

// Digits beyond 2^53 still mean "past the end", which is what they resolve to.
const safeInt = (digits: string) => Math.min(Number(digits), Number.MAX_SAFE_INTEGER);

/** Inclusive bounds of `range` within an object of `size` bytes; 416 when none of it lies inside. */
export function resolveRange(range: ByteRange, size: number, what: string): { start: number; end: number } {
  if ('suffix' in range) {
    if (range.suffix === 0 || size === 0) throw unsatisfiable(size, what);
    return { start: Math.max(0, size - range.suffix), end: size - 1 };
  }
  if (range.start >= size) throw unsatisfiable(size, what);
  return { start: range.start, end: Math.min(range.end ?? size - 1, size - 1) };
}

export function unsatisfiable(size: number, what: string) {
  return rangeNotSatisfiable(size, `requested range not satisfiable: ${what} is ${size} bytes long`);
}

/** The `Range` header value that asks for `range`. */
export function rangeHeader(range: ByteRange): string {
  if ('suffix' in range) return `bytes=-${range.suffix}`;
  return `bytes=${range.start}-${range.end ?? ''}`;
}
