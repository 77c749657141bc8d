import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

/** Names this process's holder of leases (host, pid, random), unique across replicas and restarts. */
export const leaseOwnerId = (): string => `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;

/**
 * A background worker's loop: `start` runs `loop()` (once at a time), `stop` asks it to end
 * and waits until it has; `sleep` pauses it until the time has passed, `wake` is called (new
 * work) or the worker is stopped. A wake while it is not sleeping makes the next sleep return
 * at once, so no work announced in between is missed.
 */
export abstract class LoopWorker {
  protected stopping = false;
  private running: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private woken = false;

  protected abstract loop(): Promise<void>;

  start(): void {
    this.stopping = false;
    this.running ??= this.loop().finally(() => (this.running = undefined));
  }

  /** `stopping` is true only while a stop is under way, so a pass run by hand afterwards runs whole. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake();
    try {
      await this.running;
    } finally {
      this.stopping = false;
    }
  }

  /** Look for work now rather than at the next poll. */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  protected sleep(ms: number): Promise<void> {
    if (this.stopping || this.woken) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakeUp = undefined;
        this.woken = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeUp = done;
    });
  }
}
