import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'vitest';
import { describeErrors, tamsSpec } from './tams-spec.js';

export interface Delivery {
  path: string;
  headers: IncomingHttpHeaders;
  body: { event_timestamp: string; event_type: string; event: Record<string, unknown> };
  /** What the receiver answered. */
  status: number;
}

/**
 * A webhook receiver on 127.0.0.1, as a client of the store would run one: records every POST
 * (each body checked against the spec's webhook schema for its event type) and answers what it
 * is told to. `down()` closes the port (connection refused) until `up()` reopens it.
 */
export class WebhookReceiver {
  /** Every request, including refused ones (non-2xx answers). */
  readonly requests: Delivery[] = [];
  /** Status to answer with; a function to decide per request. */
  answer: number | ((d: Omit<Delivery, 'status'>) => number) = 200;
  private server: Server | undefined;
  private constructor(readonly port: number) {}

  static async start(port = 0): Promise<WebhookReceiver> {
    const receiver = new WebhookReceiver(port);
    await receiver.up();
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Accepted deliveries (2xx answers) to `path` (all paths when omitted). */
  accepted(path?: string): Delivery[] {
    return this.requests.filter((d) => d.status >= 200 && d.status < 300 && (path === undefined || d.path === path));
  }

  async up(): Promise<void> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const delivery = { path: req.url ?? '', headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Delivery['body'] };
        const status = typeof this.answer === 'function' ? this.answer(delivery) : this.answer;
        this.requests.push({ ...delivery, status });
        res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'nope');
      });
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    (this as { port: number }).port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Refuses connections from now on. */
  async down(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Waits until `predicate` holds for the recorded requests. */
  async until(predicate: (requests: Delivery[]) => boolean, timeoutMs = 15_000): Promise<void> {
    await expect.poll(() => predicate(this.requests), { timeout: timeoutMs, interval: 20 }).toBe(true);
  }
}

/** Checks a delivered body against the spec's `webhooks` schema for its event type. */
export function expectSpecWebhookBody(body: Delivery['body']): void {
  const validate = tamsSpec().webhookValidator(body.event_type);
  expect(validate(body), `${body.event_type} body: ${describeErrors(validate)}`).toBe(true);
}
