import type { Logger } from 'pino';
import type { BackgroundWorker } from '../context.js';
import type { Db } from '../db/client.js';
import { slowestLiveConsumer } from './consumers.repo.js';
import { deleteEvents } from './events.repo.js';
import type { EventSequencer } from './sequencer.js';

const DAY_MS = 86_400_000;
const CHUNK = 10_000;

/**
 * Deletes events older than the retention that every live consumer has delivered. Consumers
 * silent for longer than the retention, and at least a day, (say AMQP was switched off) no
 * longer hold events back; without any consumer, retention is age alone. Returns how many
 * were deleted.
 */
export async function pruneEvents(db: Db, sequencer: EventSequencer, retentionDays: number, now = new Date()): Promise<number> {
  const before = new Date(now.getTime() - retentionDays * DAY_MS);
  // Unnumbered rows are never deleted, and old ones should not wait for a reader to number them.
  await sequencer.sequenceAll();
  const upTo = await slowestLiveConsumer(db, new Date(now.getTime() - Math.max(retentionDays, 1) * DAY_MS));
  let total = 0;
  for (let n = CHUNK; n === CHUNK; total += n) n = await deleteEvents(db, { before, upTo, limit: CHUNK });
  return total;
}

/** Runs `pruneEvents` at start and then every `intervalMs`. */
export function retentionWorker(options: {
  db: Db;
  sequencer: EventSequencer;
  retentionDays: number;
  logger: Logger;
  intervalMs?: number;
}): BackgroundWorker {
  const { db, sequencer, retentionDays, logger } = options;
  let timer: NodeJS.Timeout | undefined;
  let pass: Promise<void> | undefined;
  const run = () => {
    pass = pruneEvents(db, sequencer, retentionDays).then(
      (deleted) => {
        if (deleted > 0) logger.info({ deleted, retentionDays }, 'pruned old events');
      },
      (err: unknown) => logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'event pruning failed'),
    );
  };
  return {
    name: 'event retention',
    start() {
      run();
      timer = setInterval(run, options.intervalMs ?? 3_600_000);
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
      await pass;
    },
  };
}
