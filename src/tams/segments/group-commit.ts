/**
 * Group commit: requests that arrive while earlier ones are being written are written together,
 * in one transaction, each receiving its own result. At most `maxInFlight` transactions run at
 * once; each takes up to `maxBatch` of the waiting requests, in arrival order, leaving those
 * whose key (their flow) is in a transaction still running: they would only wait for its locks.
 * A request arriving when a slot is free waits only until the current turn of the event loop
 * ends (so that requests read from several sockets at once share a transaction), never for a
 * timer.
 */
export class GroupCommit<T, R> {
  private waiting: { item: T; key: string; resolve: (r: R | PromiseLike<R>) => void; reject: (err: unknown) => void }[] = [];
  private readonly busy = new Set<string>();
  private inFlight = 0;
  private scheduled = false;

  constructor(
    /**
     * Writes a batch; returns one result per item, in order. A result may be a promise (work
     * left for later, outside the batch's slot): its item is answered when it settles.
     */
    private readonly write: (batch: T[]) => Promise<(R | Promise<R>)[]>,
    private readonly keyOf: (item: T) => string,
    private readonly options: { maxInFlight: number; maxBatch: number },
  ) {}

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.waiting.push({ item, key: this.keyOf(item), resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          this.drain();
        });
      }
    });
  }

  private drain(): void {
    while (this.inFlight < this.options.maxInFlight && this.waiting.length) {
      const batch: typeof this.waiting = [];
      const rest: typeof this.waiting = [];
      for (const w of this.waiting) (batch.length < this.options.maxBatch && !this.busy.has(w.key) ? batch : rest).push(w);
      if (!batch.length) return;
      this.waiting = rest;
      const keys = new Set(batch.map((b) => b.key));
      for (const k of keys) this.busy.add(k);
      this.inFlight++;
      this.write(batch.map((b) => b.item))
        .then(
          (results) => batch.forEach((b, i) => b.resolve(results[i]!)),
          (err: unknown) => batch.forEach((b) => b.reject(err)),
        )
        .finally(() => {
          for (const k of keys) this.busy.delete(k);
          this.inFlight--;
          this.drain();
        });
    }
  }
}
