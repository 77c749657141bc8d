import { z } from 'zod';
import { defineRoute, type RouteDef } from '../../http/routes.js';
import { errorResponse } from '../common.schemas.js';
import { DELETE, READ, WRITE } from '../http/access.js';
import { CountedPagingHeaders, pageReply } from '../http/paging.js';
import { WebhookDoc, WebhookListQuery, WebhookParams, WebhookPost, WebhookPut } from './webhooks.schemas.js';
import type { WebhooksService } from './webhooks.service.js';

const tags = ['TAMS Webhooks'];
const mine = 'Callers see only their own webhooks (another\'s answers 404); with `tams-api/admin`, everyone\'s.';

export function webhooksRoutes(webhooks: WebhooksService, publicUrl: string): RouteDef[] {
  return [
    // method  path                          operation                 access  input → handler
    defineRoute({
      method: 'get', path: '/service/webhooks', operationId: 'GET_webhooks', head: 'HEAD_webhooks', ...READ, tags,
      summary: 'List webhooks', description: `Alphabetical by url. ${mine}`, query: WebhookListQuery,
      responses: { 200: { description: 'A page of webhooks', schema: z.array(WebhookDoc), headers: CountedPagingHeaders }, 400: errorResponse('Invalid query') },
      handler: async (ctx) => pageReply(ctx, publicUrl, await webhooks.list(ctx.principal, ctx.query), { reverse: ctx.query.reverse_order }),
    }),
    defineRoute({
      method: 'post', path: '/service/webhooks', operationId: 'POST_webhooks', ...WRITE, tags,
      summary: 'Register a webhook',
      description:
        'The url must be http(s) and reach a public address (or a host in WEBHOOK_ALLOWED_HOSTS). `api_key_value` is stored encrypted and ' +
        'never returned; each delivery sends it in the `api_key_name` header. Members this store does not support are a 400.',
      body: WebhookPost, status: 201,
      responses: { 201: { description: 'Registered', schema: WebhookDoc }, 400: errorResponse('Invalid registration, a refused url, or an unsupported member') },
      handler: ({ body, principal }) => webhooks.create(principal, body),
    }),
    defineRoute({
      method: 'get', path: '/service/webhooks/:webhookId', operationId: 'GET_webhooks-webhookId', head: 'HEAD_webhooks-webhookId', ...READ, tags,
      summary: 'Get a webhook', description: mine, params: WebhookParams,
      responses: { 200: { description: 'The webhook', schema: WebhookDoc }, 404: errorResponse('No such webhook (or not yours)') },
      handler: ({ params, principal }) => webhooks.get(principal, params.webhookId),
    }),
    defineRoute({
      method: 'put', path: '/service/webhooks/:webhookId', operationId: 'PUT_webhooks', ...WRITE, tags,
      summary: 'Update a webhook',
      description:
        'Replaces the registration (left out = unset), except `api_key_value`, kept when left out. `status: created` turns a disabled or ' +
        'failed webhook back on, `disabled` turns it off (not from `error`). Answers 201 with the webhook, as the spec says.',
      params: WebhookParams, body: WebhookPut, status: 201,
      responses: {
        201: { description: 'Updated', schema: WebhookDoc },
        400: errorResponse('Invalid registration, a refused url, or error → disabled'),
        404: errorResponse('No such webhook (or not yours)'),
      },
      handler: ({ params, body, principal }) => webhooks.replace(principal, params.webhookId, body),
    }),
    defineRoute({
      method: 'delete', path: '/service/webhooks/:webhookId', operationId: 'DELETE_webhooks-webhookId', ...DELETE, tags,
      summary: 'Delete a webhook', description: `Events waiting for it are dropped. ${mine}`, params: WebhookParams,
      responses: { 204: { description: 'Deleted' }, 404: errorResponse('No such webhook (or not yours)') },
      handler: ({ params, principal }) => webhooks.remove(principal, params.webhookId),
    }),
  ];
}
