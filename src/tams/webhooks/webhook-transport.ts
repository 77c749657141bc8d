import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import type { UrlPolicy } from './url-policy.js';

/** Idle connections are closed before the usual 5 s keep-alive timeout of servers, so a reused one is rarely found closed. */
const IDLE_MS = 4_000;
/** A receiver's answer is read (so the connection can be reused) up to this size. */
const MAX_ANSWER_BYTES = 64 * 1024;

/**
 * Webhook POSTs over node:http(s) with kept-alive connections: the SSRF policy checks the
 * addresses each new connection is made to, one time limit covers connecting and the response
 * headers, redirects are not followed (a 3xx is a failure: following it could lead anywhere),
 * and the answer's body is read and dropped.
 */
export class WebhookTransport {
  private readonly agents = { http: new HttpAgent({ keepAlive: true, timeout: IDLE_MS }), https: new HttpsAgent({ keepAlive: true, timeout: IDLE_MS }) };

  constructor(
    private readonly policy: UrlPolicy,
    private readonly timeoutMs: number,
  ) {}

  /** Resolves with the receiver's status; rejects when no answer came (refused, unreachable, too slow, not allowed). */
  async post(url: URL, body: Buffer, headers: Record<string, string>): Promise<number> {
    const { policy, timeoutMs } = this;
    const host = url.hostname.replace(/^\[|\]$/g, '');
    // Literal addresses never reach the lookup function: refuse before connecting.
    if (isIP(host) && !policy.isAllowed(url)) await policy.addressesOf(host);
    const https = url.protocol === 'https:';
    return new Promise((resolve, reject) => {
      const req = (https ? httpsRequest : httpRequest)(
        url,
        {
          method: 'POST',
          headers: { ...headers, 'content-length': String(body.length) },
          agent: https ? this.agents.https : this.agents.http,
          lookup: policy.lookupFor(url),
          signal: AbortSignal.timeout(timeoutMs),
        },
        (res) => {
          resolve(res.statusCode ?? 0);
          let read = 0;
          res.on('data', (chunk: Buffer) => {
            read += chunk.length;
            if (read > MAX_ANSWER_BYTES) res.destroy();
          });
          res.on('error', () => undefined);
        },
      );
      req.on('socket', (socket) => {
        // A reused connection was checked when it was made.
        if (!socket.connecting) return;
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

  /** Closes the kept-alive connections. */
  close(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }
}
