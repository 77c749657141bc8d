import { unprocessable } from '../http/errors.js';

/** Prefix of the temporary files a FilesystemStore writes before renaming; no key may use it. */
export const TEMP_PREFIX = '.tmp-';

const MAX_KEY_BYTES = 1024;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * One key grammar for every backend, so an object can move between stores: `/`-separated
 * segments, none empty, `.`, `..` or starting with the temp-file prefix, no control
 * characters, at most 1024 UTF-8 bytes (the S3 limit). A key can therefore never escape the
 * directory of a FilesystemStore bucket.
 */
export function validateKey(key: string): void {
  const problem = keyProblem(key);
  if (problem) throw unprocessable(`invalid store key ${JSON.stringify(key)}: ${problem}`);
}

function keyProblem(key: string): string | undefined {
  if (typeof key !== 'string' || key.length === 0) return 'must not be empty';
  if (Buffer.byteLength(key) > MAX_KEY_BYTES) return `longer than ${MAX_KEY_BYTES} bytes`;
  if (CONTROL.test(key)) return 'contains a control character';
  for (const segment of key.split('/')) {
    if (segment === '') return 'empty path segment (leading, trailing or double "/")';
    if (segment === '.' || segment === '..') return `"${segment}" segments are not allowed`;
    if (segment.startsWith(TEMP_PREFIX)) return `segments starting with "${TEMP_PREFIX}" are reserved`;
  }
  return undefined;
}
