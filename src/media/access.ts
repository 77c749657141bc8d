import type { Scope } from '../auth/principal.js';

/**
 * Who may call the media endpoints: any signed-in caller, holding the scope that matches what
 * the endpoint does (users' tokens hold all three; OAuth2 clients only those they were
 * granted). Writes to identifier types and S3 configs are for administrators.
 */
export const reads = { access: 'user' as const, scopes: ['tams-api/read'] as Scope[] };
export const writes = { access: 'user' as const, scopes: ['tams-api/write'] as Scope[] };
export const deletes = { access: 'user' as const, scopes: ['tams-api/delete'] as Scope[] };
export const administers = { access: 'admin' as const };
