import { defineRoute, type RouteDef } from '../http/routes.js';
import { Event, EventIdParams, EventList, EventsQuery } from './events.schemas.js';
import type { EventsService } from './events.service.js';

const tags = ['Events'];

export function eventsRoutes(events: EventsService): RouteDef[] {
  return [
    // method  path           operation    access  input → handler
    defineRoute({
      method: 'get', path: '/events', operationId: 'listEvents', access: 'user', tags,
      summary: 'Catch up on or replay events, oldest first',
      description:
        'Events with an id greater than `after`, in id order; ids become visible in increasing order, so `next_after` ' +
        'never skips one. Administrators see every event; other callers see content events only (`media.*`, `tams.*`). ' +
        'Events are kept for EVENTS_RETENTION_DAYS.',
      query: EventsQuery,
      responses: { 200: { description: 'A page of events', schema: EventList } },
      handler: ({ query, principal }) => events.feed(principal, query),
    }),
    defineRoute({
      method: 'get', path: '/events/:id', operationId: 'getEvent', access: 'user', tags,
      summary: 'Get one event', params: EventIdParams,
      responses: { 200: { description: 'The event', schema: Event }, 404: { description: 'No such event, pruned, or not visible to the caller' } },
      handler: ({ params, principal }) => events.get(principal, params.id),
    }),
  ];
}
