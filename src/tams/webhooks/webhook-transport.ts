import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import type { UrlPolicy } from './url-policy.js';

/**
 * One webhook POST over node:http(s): the SSRF policy checks the addresses connected to, one
 * time limit covers connecting and the response headers, redirects are not followed (a 3xx is
 * a failure: following it could lead anywhere), and the response body is not read. Resolves
 * with the status; rejects when no response came.
 */
export async function postWebhook(policy: UrlPolicy, url: URL, body: Buffer, headers: Record<string, string>, timeoutMs: number): Promise<number> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  // Literal addresses never reach the lookup function: refuse before connecting.
  if (isIP(host) && !policy.isAllowed(url)) await policy.addressesOf(host);
  return new Promise((resolve, reject) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(body.length) },
        agent: false,
        lookup: policy.lookupFor(url),
        signal: AbortSignal.timeout(timeoutMs),
      },
      (res) => {
        resolve(res.statusCode ?? 0);
        res.destroy();
      },
    );
    req.on('socket', (socket) => {
      socket.once('connect', () => {
        try {
          policy.checkConnected(url, socket.remoteAddress);
        } catch (err) {
          req.destroy(err as Error);
        }
      });
    });
    req.on('error', (err: Error) => reject(err.name === 'TimeoutError' || err.name === 'AbortError' ? new Error(`no response within ${timeoutMs} ms`) : err));
    req.end(body);
  });
}
