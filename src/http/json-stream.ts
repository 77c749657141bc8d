import type { Response } from 'express';

/**
 * Sends a JSON array whose items arrive in batches, in constant memory: listings that
 * AMPLIfy answers whole ("all media") stay affordable however many records there are. An
 * error after the first byte can only abort the response (the client sees a truncated body).
 */
export async function sendJsonArray(res: Response, batches: AsyncIterable<unknown[]>): Promise<void> {
  const iterator = batches[Symbol.asyncIterator]();
  // The first batch is read before anything is sent, so that early errors are still clean JSON errors.
  let next = await iterator.next();
  res.status(200).setHeader('Content-Type', 'application/json; charset=utf-8');
  let first = true;
  res.write('[');
  while (!next.done) {
    for (const item of next.value) {
      const chunk = (first ? '' : ',') + JSON.stringify(item);
      first = false;
      if (!res.write(chunk)) await drained(res);
      if (res.destroyed) return; // the client went away
    }
    next = await iterator.next();
  }
  res.end(']');
}

/** Resolves when the response can take more, or is closed. */
function drained(res: Response): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
