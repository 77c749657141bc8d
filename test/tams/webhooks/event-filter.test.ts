import { describe, expect, it } from 'vitest';
import { matches, webhookEventOf } from '../../../src/tams/webhooks/event-filter.js';
import type { EventFilters, WebhookEventType } from '../../../src/tams/webhooks/webhooks.schemas.js';

/** The filter rules of the TAMS ADR "Updated Webhook Events and Filters", one case per line. */

const [flow, source, collection, sourceCollection, other] = ['f', 's', 'c', 'sc', 'x'].map((p) => `${p}0000000-0000-4000-8000-000000000000`);

function event(type: WebhookEventType, filter: { flow_collected_by?: string[]; source_collected_by?: string[] } = {}) {
  const flowEvent = type.startsWith('flows/');
  return webhookEventOf({
    id: 1,
    type: `tams.${type.replace('/', '.')}`,
    subject: flowEvent ? flow! : source!,
    actor: 'a',
    created: new Date(),
    payload: {
      event_type: type,
      event: flowEvent ? { flow_id: flow } : { source_id: source },
      filter: { ...(flowEvent ? { flow_id: flow, flow_collected_by: filter.flow_collected_by ?? [] } : {}), source_id: source, tags: {}, source_collected_by: filter.source_collected_by ?? [] },
    },
  })!;
}

const hook = (events: WebhookEventType[], filters: EventFilters = {}) => ({ events, filters });

describe('which events a webhook receives', () => {
  it.each<[string, ReturnType<typeof hook>, ReturnType<typeof event>, boolean]>([
    ['its event types only', hook(['flows/created']), event('flows/updated'), false],
    ['no filter: everything of its types', hook(['flows/updated', 'sources/deleted']), event('sources/deleted'), true],
    ['flow_ids: the flow listed', hook(['flows/updated'], { flow_ids: [flow!] }), event('flows/updated'), true],
    ['flow_ids: not another flow', hook(['flows/updated'], { flow_ids: [other!] }), event('flows/updated'), false],
    ['flow_ids: empty lets no flow event through', hook(['flows/updated'], { flow_ids: [] }), event('flows/updated'), false],
    ['flow_ids: segment events too', hook(['flows/segments_added'], { flow_ids: [other!] }), event('flows/segments_added'), false],
    ['flow_ids: no effect on source events', hook(['sources/updated'], { flow_ids: [other!] }), event('sources/updated'), true],
    ['source_ids: a flow by its source', hook(['flows/created'], { source_ids: [source!] }), event('flows/created'), true],
    ['source_ids: not a flow of another source', hook(['flows/created'], { source_ids: [other!] }), event('flows/created'), false],
    ['source_ids: source events', hook(['sources/created'], { source_ids: [other!] }), event('sources/created'), false],
    ['flow_collected_by_ids: a collected flow', hook(['flows/updated'], { flow_collected_by_ids: [collection!] }), event('flows/updated', { flow_collected_by: [other!, collection!] }), true],
    ['flow_collected_by_ids: not one collected elsewhere', hook(['flows/updated'], { flow_collected_by_ids: [collection!] }), event('flows/updated', { flow_collected_by: [other!] }), false],
    ['flow_collected_by_ids empty: flows collected by none', hook(['flows/updated'], { flow_collected_by_ids: [] }), event('flows/updated'), true],
    ['flow_collected_by_ids empty: not a collected flow', hook(['flows/updated'], { flow_collected_by_ids: [] }), event('flows/updated', { flow_collected_by: [collection!] }), false],
    ['flow_collected_by_ids: no effect on source events', hook(['sources/updated'], { flow_collected_by_ids: [collection!] }), event('sources/updated'), true],
    ['source_collected_by_ids: a flow whose source is collected', hook(['flows/deleted'], { source_collected_by_ids: [sourceCollection!] }), event('flows/deleted', { source_collected_by: [sourceCollection!] }), true],
    ['source_collected_by_ids: a source collected elsewhere', hook(['sources/updated'], { source_collected_by_ids: [sourceCollection!] }), event('sources/updated', { source_collected_by: [other!] }), false],
    ['source_collected_by_ids empty: sources collected by none', hook(['sources/updated'], { source_collected_by_ids: [] }), event('sources/updated'), true],
    ['all filters must hold', hook(['flows/updated'], { flow_ids: [flow!], source_ids: [other!] }), event('flows/updated'), false],
  ])('%s', (_rule, webhook, e, expected) => {
    expect(matches(webhook, e)).toBe(expected);
  });

  it('orders flow and segment events by flow, source events by source', () => {
    expect(event('flows/segments_deleted').orderingKey).toBe(`flow:${flow}`);
    expect(event('flows/created').orderingKey).toBe(`flow:${flow}`);
    expect(event('sources/created').orderingKey).toBe(`source:${source}`);
  });

  it('ignores outbox events that are not for webhooks', () => {
    const base = { id: 1, subject: flow!, actor: null, created: new Date() };
    expect(webhookEventOf({ ...base, type: 'media.created', payload: {} })).toBeUndefined();
    expect(webhookEventOf({ ...base, type: 'tams.profiles.created', payload: { profile: {} } })).toBeUndefined();
    expect(webhookEventOf({ ...base, type: 'tams.flows.updated', payload: { event_type: 'flows/updated', event: {} } })).toBeUndefined();
  });
});
