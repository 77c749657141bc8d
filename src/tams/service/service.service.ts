import type { Db } from '../../db/client.js';
import { recordEvent } from '../../events/outbox.js';
import { formatTimestamp, NS_PER_SECOND } from '../timerange.js';
import * as repo from './service.repo.js';
import type { EventStreamMechanism, ServiceDoc } from './service.schemas.js';

export const TAMS_API_VERSION = '8.2';
const DEFAULT_NAME = 'Mediastore';
const DEFAULT_DESCRIPTION = 'Time-addressable Media Store (TAMS 8.2) of Mediastore';

export interface ServiceInfoOptions {
  serviceVersion: string;
  minObjectTimeoutSeconds: number;
  minPresignedUrlTimeoutSeconds: number;
  eventStreamMechanisms: EventStreamMechanism[];
}

/** GET/POST /tams/service: fixed facts of this deployment plus a name and description kept in the database. */
export class ServiceInfoService {
  constructor(
    private readonly db: Db,
    private readonly options: ServiceInfoOptions,
  ) {}

  async get(): Promise<ServiceDoc> {
    return this.toDoc(await repo.readServiceInfo(this.db));
  }

  async update(actor: string, input: { name?: string | undefined; description?: string | undefined }): Promise<ServiceDoc> {
    const changes = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
    if (Object.keys(changes).length === 0) return this.get();
    return this.db.transaction(async (tx) => {
      const row = await repo.writeServiceInfo(tx, changes, actor);
      const doc = this.toDoc(row);
      await recordEvent(tx, { type: 'tams.service.updated', subject: 'service', actor, payload: { name: doc.name, description: doc.description } });
      return doc;
    });
  }

  private toDoc(row: repo.ServiceRow | undefined): ServiceDoc {
    const seconds = (s: number) => formatTimestamp(BigInt(s) * NS_PER_SECOND);
    return {
      name: row?.name ?? DEFAULT_NAME,
      description: row?.description ?? DEFAULT_DESCRIPTION,
      type: 'urn:x-tams:service.mediastore',
      api_version: TAMS_API_VERSION,
      service_version: this.options.serviceVersion,
      event_stream_mechanisms: this.options.eventStreamMechanisms,
      min_object_timeout: seconds(this.options.minObjectTimeoutSeconds),
      min_presigned_url_timeout: seconds(this.options.minPresignedUrlTimeoutSeconds),
    };
  }
}
