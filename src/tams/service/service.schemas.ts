import { z } from 'zod';
import { Timestamp } from '../common.schemas.js';

export const EventStreamMechanism = z.object({ name: z.string(), docs: z.string().optional(), config: z.record(z.string(), z.unknown()).optional() });
export type EventStreamMechanism = z.infer<typeof EventStreamMechanism>;

/** service.json */
export const ServiceDoc = z
  .object({
    name: z.string().optional(),
    description: z.string().optional(),
    type: z.string(),
    api_version: z.string(),
    service_version: z.string().optional(),
    event_stream_mechanisms: z.array(EventStreamMechanism).optional(),
    min_object_timeout: Timestamp,
    min_presigned_url_timeout: Timestamp.optional(),
  })
  .meta({ id: 'TamsService' });
export type ServiceDoc = z.infer<typeof ServiceDoc>;

/** service-post.json: the fields given are set, the others kept. */
export const ServicePost = z
  .object({ name: z.string().optional(), description: z.string().optional() })
  .meta({ id: 'TamsServicePost' });

export const RootPaths = z.array(z.string()).meta({ example: ['service', 'flows', 'sources'] });
