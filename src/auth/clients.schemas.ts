import { z } from 'zod';
import { SCOPES } from './principal.js';

export const ClientId = z
  .string()
  .min(3)
  .max(128)
  .regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits and _ . - only');

const Scopes = z.array(z.enum(SCOPES)).max(SCOPES.length);

export const ClientView = z
  .object({
    client_id: z.string(),
    scopes: z.array(z.enum(SCOPES)),
    description: z.string(),
    disabled: z.boolean(),
    created: z.iso.datetime(),
    created_by: z.string(),
  })
  .meta({ id: 'ApiClient' });
export type ClientView = z.infer<typeof ClientView>;

export const CreatedClient = ClientView.extend({
  client_secret: z.string().meta({ description: 'Shown only in this response; stored hashed.' }),
}).meta({ id: 'CreatedApiClient' });

export const ClientList = z
  .object({ clients: z.array(ClientView), next_cursor: z.string().nullable() })
  .meta({ id: 'ApiClientList' });

export const CreateClientBody = z
  .strictObject({
    client_id: ClientId.optional().meta({ description: 'Generated when absent' }),
    scopes: Scopes.default([...SCOPES]),
    description: z.string().max(1000).default(''),
  })
  .meta({ id: 'CreateApiClient' });

export const UpdateClientBody = z
  .strictObject({
    scopes: Scopes.optional(),
    description: z.string().max(1000).optional(),
    disabled: z.boolean().optional(),
  })
  .meta({ id: 'UpdateApiClient' });

export const ClientParams = z.object({ client_id: ClientId });

export const TokenRequest = z
  .object({
    grant_type: z.string().optional(),
    scope: z.string().max(1000).optional(),
    client_id: z.string().max(256).optional(),
    client_secret: z.string().max(1024).optional(),
  })
  .meta({ id: 'ClientCredentialsTokenRequest' });

export const TokenResponse = z
  .object({
    access_token: z.string(),
    token_type: z.literal('Bearer'),
    expires_in: z.number().int(),
    scope: z.string(),
  })
  .meta({ id: 'TokenResponse' });
