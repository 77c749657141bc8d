import { S3ServiceException } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/http/errors.js';
import { s3Failure } from '../../src/stores/s3-errors.js';

const STORE = 'BucketStore "media" at http://s3.example:9000';

/** An error as the SDK raises it for an S3 error reply. */
const serviceError = (name: string, status: number) =>
  new S3ServiceException({ name, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status }, message: `${name} message` });

describe('s3Failure', () => {
  it.each([
    ['NoSuchBucket', 404, 422, `${STORE}: bucket "media" does not exist on the S3 service; create it or correct the store config`],
    ['SignatureDoesNotMatch', 403, 502, `${STORE}: the S3 service refused our credentials or access (SignatureDoesNotMatch); check the S3 config's keys and the bucket's policy`],
    ['AccessDenied', 403, 502, `${STORE}: the S3 service refused our credentials or access (AccessDenied); check the S3 config's keys and the bucket's policy`],
    ['Unknown', 403, 502, `${STORE}: the S3 service refused our credentials or access (HTTP 403); check the S3 config's keys and the bucket's policy`],
    ['EntityTooLarge', 400, 413, `${STORE}: object too large for the S3 service`],
    ['InternalError', 500, 502, `${STORE}: the S3 service failed (InternalError)`],
    ['SlowDown', 503, 502, `${STORE}: the S3 service failed (SlowDown)`],
  ])('maps %s (%i) to %i naming the store', (name, status, expected, message) => {
    const mapped = s3Failure(serviceError(name, status), STORE, 'media') as ApiError;
    expect(mapped).toBeInstanceOf(ApiError);
    expect(mapped.status).toBe(expected);
    expect(mapped.message).toBe(message);
  });

  it('maps connection failures, also inside an AggregateError, to 502', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    expect((s3Failure(refused, STORE, 'media') as ApiError).message).toBe(`${STORE}: cannot reach the S3 endpoint (ECONNREFUSED)`);
    const dns = new AggregateError([Object.assign(new Error('x'), { code: 'ENOTFOUND' })], 'all failed');
    expect((s3Failure(dns, STORE, 'media') as ApiError).status).toBe(502);
    const timeout = Object.assign(new Error('timed out'), { name: 'TimeoutError' });
    expect((s3Failure(timeout, STORE, 'media') as ApiError).message).toContain('cannot reach the S3 endpoint (TimeoutError)');
  });

  it('passes ApiErrors and unknown errors through', () => {
    const api = new ApiError(422, 'checksum mismatch');
    expect(s3Failure(api, STORE, 'media')).toBe(api);
    const bug = new TypeError('undefined is not a function');
    expect(s3Failure(bug, STORE, 'media')).toBe(bug);
  });
});
