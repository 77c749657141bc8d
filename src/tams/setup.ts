import type { Config } from '../config.js';
import type { Db } from '../db/client.js';
import { version } from '../version.js';
import { noSegments } from './flows/flow-content.js';
import { FlowsService } from './flows/flows.service.js';
import { ProfilesService } from './profiles/profiles.service.js';
import type { EventStreamMechanism } from './service/service.schemas.js';
import { ServiceInfoService } from './service/service.service.js';
import { SourcesService } from './sources/sources.service.js';

export interface TamsCapability {
  service: ServiceInfoService;
  profiles: ProfilesService;
  sources: SourcesService;
  flows: FlowsService;
}

/**
 * How a TAMS client can follow changes. Webhooks (the spec's `webhooks` mechanism) come with
 * part 2; until then the events feed, and RabbitMQ when configured (never its URL: it may hold
 * credentials).
 */
function eventStreamMechanisms(config: Config): EventStreamMechanism[] {
  const mechanisms: EventStreamMechanism[] = [
    {
      name: 'mediastore-event-feed',
      docs: `${config.publicUrl}/api/docs`,
      config: { url: `${config.publicUrl}/api/events?type=tams.*`, event_types: 'tams.flows.*, tams.sources.*' },
    },
  ];
  if (config.amqpUrl) mechanisms.push({ name: 'amqp', config: { exchange: config.amqpExchange, exchange_type: 'topic', routing_keys: 'tams.#' } });
  return mechanisms;
}

export function createTams(config: Config, db: Db): TamsCapability {
  const sources = new SourcesService(db);
  return {
    service: new ServiceInfoService(db, {
      serviceVersion: version,
      minObjectTimeoutSeconds: config.tams.minObjectTimeoutSeconds,
      minPresignedUrlTimeoutSeconds: config.tams.minPresignedUrlTimeoutSeconds,
      eventStreamMechanisms: eventStreamMechanisms(config),
    }),
    profiles: new ProfilesService(db),
    sources,
    flows: new FlowsService(db, sources, noSegments),
  };
}
