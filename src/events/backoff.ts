/**
 * Capped exponential backoff with jitter: the ceiling doubles per failure up to `capMs`, and the
 * delay is drawn from the upper half of it, so replicas that lost the broker together do not
 * reconnect in lockstep while each still waits at least half the ceiling.
 */
export function backoffDelay(failures: number, baseMs: number, capMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(failures, 32));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** `backoffDelay` for a loop that counts its own consecutive failures. */
export class Backoff {
  private failures = 0;

  constructor(
    private readonly baseMs = 250,
    private readonly capMs = 30_000,
    private readonly random: () => number = Math.random,
  ) {}

  /** The delay before the next attempt; each call counts one more failure. */
  next(): number {
    return backoffDelay(this.failures++, this.baseMs, this.capMs, this.random);
  }

  reset(): void {
    this.failures = 0;
  }
}
