/**
 * Lookups of one key asked for by requests handled in the same turn of the event loop share one
 * query. A lookup joins only a query not yet sent, so its answer is never older than the request
 * (disabling an account still takes effect for every request that arrives after it): a burst of
 * requests with one token (an ingest registering segments one by one) costs one account query,
 * not one each.
 */
export function sharedLookup<V>(lookup: (key: string) => Promise<V>): (key: string) => Promise<V> {
  const waiting = new Map<string, Promise<V>>();
  return (key) => {
    let shared = waiting.get(key);
    if (!shared) {
      shared = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
        waiting.delete(key);
        return lookup(key);
      });
      waiting.set(key, shared);
    }
    return shared;
  };
}
