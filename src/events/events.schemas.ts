import { z } from 'zod';

export const Event = z
  .object({
    id: z.number().int().meta({ description: 'Increasing in the order events became visible; also the AMQP messageId' }),
    type: z.string().meta({ example: 'media.created' }),
    subject: z.string().meta({ description: 'What the event is about: a pid, a username, a TAMS id' }),
    time: z.iso.datetime(),
    actor: z.string().nullable().meta({ description: 'Who made the change; null for the service itself' }),
    payload: z.unknown().meta({ description: 'The new state or a summary; never secrets' }),
  })
  .meta({ id: 'Event' });

export const EventList = z
  .object({
    events: z.array(Event),
    next_after: z.number().int().meta({ description: 'Pass as `after` to continue; equals `after` when nothing new' }),
  })
  .meta({ id: 'EventList' });

const TYPE_PATTERN = /^(\*|[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*(\.\*)?)$/;

export const EventsQuery = z.strictObject({
  after: z.coerce.number().int().min(0).default(0).meta({ description: 'Return events with a greater id' }),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  type: z
    .string()
    .max(200)
    .regex(TYPE_PATTERN, 'an event type (media.created) or a prefix ending in .* (media.*)')
    .optional()
    .meta({ example: 'media.*' }),
});

export const EventIdParams = z.object({ id: z.coerce.number().int().min(1) });
