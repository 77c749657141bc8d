import { conflict, notFound } from '../http/errors.js';
import type { Change } from '../media/change.js';
import type { MediaRecord, MediaService } from '../media/media.service.js';
import type { SignedUploadHooks } from '../stores/setup.js';

/**
 * The holder of a signed upload URL has no account: history rows and events of such uploads
 * name this actor. The parentheses keep it apart from every username.
 */
export const SIGNED_URL_ACTOR = '(signed URL)';

/**
 * What a PUT to a signed local URL means for media records: the URL was issued for a record
 * waiting for its bytes, which become READY (size, checksums, history, `media.stored` event)
 * as soon as the upload completes. Bytes never land where no record expects them, and a
 * record that has its bytes is not overwritten through an old URL.
 */
export function signedUploadHooks(media: MediaService): SignedUploadHooks {
  const waitingRecord = async (storeConfigId: string, key: string): Promise<MediaRecord> => {
    const record = await media.findByStoreKey(Number(storeConfigId), key);
    if (!record) throw notFound(`no media record expects bytes at key "${key}" of store config ${storeConfigId}`);
    if (record.deleteRequested) throw conflict(`media ${record.pid} is being deleted`);
    if (record.storeStatus === 'READY') throw conflict(`media ${record.pid} already has its bytes; delete it or upload under a new record`);
    return record;
  };
  const change: Change = { actor: SIGNED_URL_ACTOR, reason: null };
  return {
    beforePut: async (storeConfigId, key) => {
      await waitingRecord(storeConfigId, key);
    },
    onStored: async (storeConfigId, key, stored) => {
      // Two uploads through copies of one URL may both pass beforePut; the second to finish
      // with the same bytes changes nothing.
      const record = await media.findByStoreKey(Number(storeConfigId), key);
      if (record?.storeStatus === 'READY' && record.view.size === stored.size && record.view.checksums.sha256 === stored.sha256) return;
      await media.markStored(change, (await waitingRecord(storeConfigId, key)).pid, stored);
    },
  };
}
