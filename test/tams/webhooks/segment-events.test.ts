import { beforeEach, describe, expect, it } from 'vitest';
import { allocate, download, upload } from '../../helpers/tams-segments.js';
import { newId, type TamsClient, videoFlow } from '../../helpers/tams.js';
import type { WebhookReceiver } from '../../helpers/webhook-receiver.js';
import { receiverAndApp } from '../../helpers/webhook-session.js';

/**
 * Segment events reach webhooks with the spec's bodies: `flows/segments_added` with each
 * segment's get_urls shaped by that webhook's options (fresh presigned URLs that return the
 * bytes), `flows/segments_deleted` with the timerange of what was deleted.
 */

const ctx = receiverAndApp();
let receiver: WebhookReceiver;
let api: TamsClient;
beforeEach(() => ({ receiver, api } = ctx));

describe('segment webhook events', () => {
  it('shape get_urls per webhook and report deletions', async () => {
    const flowId = newId();
    expect((await api.put(`/flows/${flowId}`, videoFlow(flowId, newId()))).status).toBe(201);
    const register = async (path: string, body: Record<string, unknown>) =>
      expect((await api.post('/service/webhooks', { url: `${receiver.url}${path}`, events: ['flows/segments_added', 'flows/segments_deleted'], flow_ids: [flowId], ...body })).status).toBe(201);
    await register('/plain', {});
    await register('/verbose', { verbose_storage: true, include_object_timerange: true });
    await register('/cdn-only', { accept_get_urls: ['cdn'] });
    await register('/none', { accept_get_urls: [] });

    const [object] = await allocate(api, flowId);
    const bytes = Buffer.from('bytes sent to webhooks');
    await upload(object!, bytes);
    const segment = { object_id: object!.object_id, timerange: '[0:0_10:0)', get_urls: [{ url: 'https://cdn.example/a.ts', label: 'cdn' }] };
    expect((await api.post(`/flows/${flowId}/segments`, [segment])).status).toBe(201);
    const paths = ['/plain', '/verbose', '/cdn-only', '/none'];
    await receiver.until(() => paths.every((p) => receiver.accepted(p).length >= 1));

    const added = (path: string) => {
      const [first] = receiver.accepted(path);
      expect(first!.body.event_type).toBe('flows/segments_added');
      const segments = first!.body.event.segments as { object_id: string; timerange: string; object_timerange?: string; get_urls?: Record<string, unknown>[] }[];
      expect(segments).toHaveLength(1);
      expect(segments[0]).toMatchObject({ object_id: object!.object_id, timerange: '[0:0_10:0)' });
      return segments[0]!;
    };
    const plain = added('/plain');
    expect(plain.get_urls!.map((u) => u.label)).toEqual(['filesystem:tams', 'cdn']);
    expect(plain).not.toHaveProperty('object_timerange');
    expect(await download(plain.get_urls![0]!.url as string)).toEqual(bytes);
    const verbose = added('/verbose');
    expect(verbose.object_timerange).toBe('[0:0_10:0)');
    expect(verbose.get_urls![0]).toMatchObject({ store_type: 'http_object_store', provider: 'mediastore' });
    expect(added('/cdn-only').get_urls).toEqual([{ url: 'https://cdn.example/a.ts', label: 'cdn', controlled: false }]);
    expect(added('/none').get_urls ?? []).toEqual([]);

    expect((await api.delete(`/flows/${flowId}/segments`)).status).toBe(204);
    await receiver.until(() => paths.every((p) => receiver.accepted(p).length >= 2));
    for (const path of paths) {
      expect(receiver.accepted(path)[1]!.body).toMatchObject({ event_type: 'flows/segments_deleted', event: { flow_id: flowId, timerange: '[0:0_10:0)' } });
    }
  });

  it('carry the init object with its get_urls shaped per webhook', async () => {
    const flowId = newId();
    expect((await api.put(`/flows/${flowId}`, videoFlow(flowId, newId(), { container: 'video/mp4' }))).status).toBe(201);
    const register = async (path: string, body: Record<string, unknown>) =>
      expect((await api.post('/service/webhooks', { url: `${receiver.url}${path}`, events: ['flows/segments_added'], flow_ids: [flowId], ...body })).status).toBe(201);
    await register('/init-plain', {});
    await register('/init-none', { accept_get_urls: [] });
    const [init] = await allocate(api, flowId, { limit: 1, content_type: 'application/mp4' });
    const initBytes = Buffer.from('init segment for webhooks');
    await upload(init!, initBytes);
    const [object] = await allocate(api, flowId);
    expect((await api.post(`/flows/${flowId}/segments`, { object_id: object!.object_id, init_object_id: init!.object_id, timerange: '[0:0_2:0)' })).status).toBe(201);
    await receiver.until(() => ['/init-plain', '/init-none'].every((p) => receiver.accepted(p).length >= 1));
    const initOf = (path: string) => (receiver.accepted(path)[0]!.body.event.segments as { init_object?: { object_id: string; get_urls?: { url: string; label: string }[] } }[])[0]!.init_object!;
    const plain = initOf('/init-plain');
    expect(plain.object_id).toBe(init!.object_id);
    expect(plain.get_urls!.map((u) => u.label)).toEqual(['filesystem:tams']);
    expect(await download(plain.get_urls![0]!.url)).toEqual(initBytes);
    expect(initOf('/init-none')).toEqual({ object_id: init!.object_id, get_urls: [] });
  });
});
