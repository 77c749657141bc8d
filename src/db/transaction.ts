import type { Db } from './client.js';

// Serialization failure and deadlock: the transaction did nothing and can simply run again.
const RETRYABLE = new Set(['40001', '40P01']);

/**
 * Thrown inside `transactionWithRetry` when what the transaction read was overtaken by a
 * concurrent commit it could not have seen (a statement reads the database as it was when the
 * statement began): it did nothing lasting and runs again, reading afresh.
 */
export class TransactionOvertaken extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransactionOvertaken';
  }
}

function isRetryable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof TransactionOvertaken) return true;
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && RETRYABLE.has(code)) return true;
  }
  return false;
}

/**
 * Runs `fn` in a transaction, again (up to `attempts` times, after a short random pause) when
 * the database aborted it as a deadlock victim or for a serialization failure, or `fn` threw
 * `TransactionOvertaken`. For writes that lock several rows whose order cannot be fixed in
 * advance (a flow, its source, the flows it collects), and writes that can find a row a
 * concurrent transaction inserted after they looked.
 */
export async function transactionWithRetry<T>(db: Db, fn: (tx: Db) => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction((tx) => fn(tx as unknown as Db));
    } catch (err) {
      if (attempt >= attempts || !isRetryable(err)) throw err;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * attempt));
    }
  }
}
