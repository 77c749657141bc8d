import { connect } from 'amqplib';

/**
 * Guard for tests that need an external service, at the top of a test file:
 *
 *   const rabbit = await requireService('RabbitMQ', () => amqpReachable(RABBITMQ_URL));
 *   describe.runIf(rabbit)('...', () => { ... });
 *
 * Resolves true when the service answers. Otherwise prints a visible SKIPPED line and resolves
 * false, or, with REQUIRE_SERVICES=1 (CI), throws so that the file fails instead of passing by
 * skipping.
 */
export async function requireService(name: string, reachable: () => Promise<boolean>, hint = ''): Promise<boolean> {
  if (await reachable()) return true;
  const why = `${name} is not reachable${hint ? ` (${hint})` : ''}`;
  if (process.env.REQUIRE_SERVICES === '1') throw new Error(`REQUIRE_SERVICES=1 but ${why}`);
  console.warn(`SKIPPED tests needing ${name}: ${why}`);
  return false;
}

/** The broker the RabbitMQ tests use: AMQP_URL (as CI sets it) or the local default. */
export const RABBITMQ_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

/** True when an AMQP handshake with `url` succeeds within the timeout. */
export async function amqpReachable(url = RABBITMQ_URL, timeoutMs = 3_000): Promise<boolean> {
  try {
    const connection = await connect(url, { timeout: timeoutMs });
    await connection.close();
    return true;
  } catch {
    return false;
  }
}

/** `requireService` for the RabbitMQ tests, naming the broker it tried (without credentials). */
export const requireRabbitmq = (): Promise<boolean> => {
  const { protocol, host } = new URL(RABBITMQ_URL);
  return requireService('RabbitMQ', () => amqpReachable(), `tried ${protocol}//${host}; set AMQP_URL to use another`);
};
