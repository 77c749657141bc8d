/**
 * Capped exponential backoff with jitter: the ceiling doubles per failure up to `capMs`, and the
 * delay is drawn from the upper half of it, so replicas that lost the broker together do not
 * reconnect in lockstep while each still waits at least half the ceiling.
 */
export class Backoff {
  private failures = 0;

  constructor(
    private readonly baseMs = 250,
    private readonly capMs = 30_000,
    private readonly random: () => number = Math.random,
  ) {}

  /** The delay before the next attempt; each call counts one more failure. */
  next(): number {
    const ceiling = Math.min(this.capMs, this.baseMs * 2 ** this.failures);
    this.failures = Math.min(this.failures + 1, 32);
    return Math.round(ceiling / 2 + (this.random() * ceiling) / 2);
  }

  reset(): void {
    this.failures = 0;
  }
}
