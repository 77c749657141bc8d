import type { Principal } from '../auth/principal.js';
import type { Db } from '../db/client.js';
import { notFound } from '../http/errors.js';
import { toEventMessage, type EventMessage } from './event-message.js';
import * as repo from './events.repo.js';
import type { EventSequencer } from './sequencer.js';

/** Content events, readable by every authenticated caller; the rest (users, clients, configs) are for administrators. */
const CONTENT_TYPES: repo.TypeFilter[] = [{ prefix: 'media.' }, { prefix: 'tams.' }];

const visibleTo = (principal: Principal) => (principal.isAdmin ? undefined : CONTENT_TYPES);

const isVisible = (principal: Principal, type: string) =>
  principal.isAdmin || CONTENT_TYPES.some((t) => 'prefix' in t && type.startsWith(t.prefix));

/** `media.created` → exact, `media.*` → prefix `media.`, `*` → everything. */
function parseTypeFilter(type: string | undefined): repo.TypeFilter | undefined {
  if (type === undefined || type === '*') return undefined;
  return type.endsWith('.*') ? { prefix: type.slice(0, -1) } : { exact: type };
}

export class EventsService {
  constructor(
    private readonly db: Db,
    private readonly sequencer: EventSequencer,
  ) {}

  /** The events after `after` that the caller may see, oldest first. */
  async feed(principal: Principal, query: { after: number; limit: number; type?: string | undefined }) {
    // Numbers what has committed so far, so a caller reads its own writes.
    await this.sequencer.sequence();
    const rows = await repo.eventsAfter(this.db, {
      after: query.after,
      limit: query.limit,
      type: parseTypeFilter(query.type),
      onlyTypes: visibleTo(principal),
    });
    return { events: rows.map(toEventMessage), next_after: rows.at(-1)?.id ?? query.after };
  }

  async get(principal: Principal, id: number): Promise<EventMessage> {
    const row = await repo.eventById(this.db, id);
    // Hidden events answer like missing ones: their existence is not the caller's business.
    if (!row || !isVisible(principal, row.type)) throw notFound(`event ${id} not found`);
    return toEventMessage(row);
  }
}
