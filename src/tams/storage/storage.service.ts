import { randomUUID } from 'node:crypto';
import { badRequest, forbidden, notFound } from '../../http/errors.js';
import type { MediaService } from '../../media/media.service.js';
import type { StoreConfigsService } from '../../media/store-configs.service.js';
import type { Db } from '../../db/client.js';
import { flowsByIds } from '../flows/flows.repo.js';
import { TAMS_OBJECT_PID_TYPE, type TamsStorage } from './backends.js';
import type { FlowStorage, StoragePost } from './storage.schemas.js';

/**
 * POST /flows/{id}/storage: media records (pid = object id, pid_type tams_object, PENDING)
 * in the chosen backend's store, each with a presigned PUT URL. A PUT of the bytes to the URL
 * stores them; for local stores the signed-upload hook then marks the record READY with its
 * size and checksums. The records remember the flow they were allocated for (registering them
 * in another flow is refused, as the spec recommends).
 */
export class StorageService {
  constructor(
    private readonly db: Db,
    private readonly storage: TamsStorage,
    private readonly media: MediaService,
    private readonly storeConfigs: StoreConfigsService,
    private readonly putUrlSeconds: number,
  ) {}

  async allocate(actor: string, flowId: string, body: StoragePost): Promise<FlowStorage> {
    const [flow] = await flowsByIds(this.db, [flowId]);
    if (!flow) throw notFound(`flow ${flowId} does not exist`);
    if (flow.row.readOnly) throw forbidden(`flow ${flowId} is read-only; no storage is allocated for it`);
    const contentType = body?.content_type ?? flow.row.container;
    if (!contentType) throw badRequest(`flow ${flowId} has no container; set it before allocating storage`);
    const backend = await this.storage.backend(body?.storage_id);
    const ids = body?.object_ids ?? Array.from({ length: body?.limit ?? 1 }, () => randomUUID());
    const twice = ids.find((id, i) => ids.indexOf(id) !== i);
    if (twice !== undefined) throw badRequest(`object_ids: ${twice} is listed more than once`);
    const taken = (await this.media.readMany(ids)).map((v) => v.pid);
    if (taken.length) throw badRequest(`object_ids: already exist: ${taken.join(', ')}`, { existing: taken });
    const store = await this.storeConfigs.get(backend.pk);
    const records = await this.media.createMany(
      { actor, reason: `TAMS storage for flow ${flowId}` },
      ids.map((pid) => ({
        pid,
        pid_type: TAMS_OBJECT_PID_TYPE,
        store_config: { type: store.type, bucket: store.bucket, s3_url: store.s3_url || null },
        store_key: null,
        identifiers: {},
        metadata: { tams: { allocated_for_flow: flowId, content_type: contentType } },
        tags: [],
      })),
    );
    const bytes = await this.storage.store(backend.pk);
    const media_objects = await Promise.all(
      records.map(async (r) => {
        const put = await bytes.presignPut(r.store_key, { expiresInSeconds: this.putUrlSeconds, contentType });
        return { object_id: r.pid, put_url: { url: put.url, 'content-type': contentType }, presigned: true };
      }),
    );
    return { media_objects };
  }
}
