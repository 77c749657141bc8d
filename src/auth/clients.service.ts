import { randomBytes } from 'node:crypto';
import type { Db } from '../db/client.js';
import { recordEvent } from '../events/outbox.js';
import { conflict, notFound } from '../http/errors.js';
import * as repo from './clients.repo.js';
import type { ClientView } from './clients.schemas.js';
import { hashPassword, verifyAgainstNothing, verifyPassword } from './passwords.js';
import { isScope, SCOPES, type Principal, type Scope } from './principal.js';
import type { TokenService } from './tokens.js';
import { sharedLookup } from './shared-lookup.js';

/** An RFC 6749 §5.2 error: rendered as `{"error", "error_description"}` by the token endpoint. */
export class OAuthError extends Error {
  constructor(
    readonly status: 400 | 401,
    readonly error: 'invalid_request' | 'invalid_client' | 'unsupported_grant_type' | 'invalid_scope' | 'invalid_grant',
    readonly description: string,
  ) {
    super(description);
  }
}

function toClientView(row: repo.ClientRow): ClientView {
  return {
    client_id: row.clientId,
    scopes: row.scopes.filter(isScope),
    description: row.description,
    disabled: row.disabled,
    created: row.created.toISOString(),
    created_by: row.createdBy,
  };
}

export class ClientsService {
  /** The client behind a token, read once for the requests of one event-loop turn. */
  readonly #clientOf = sharedLookup((clientId) => repo.findClient(this.db, clientId));

  constructor(
    private readonly db: Db,
    private readonly tokens: TokenService,
  ) {}

  async list(cursor: string | undefined, limit: number) {
    const rows = await repo.listClients(this.db, cursor, limit + 1);
    const page = rows.slice(0, limit);
    return { clients: page.map(toClientView), next_cursor: rows.length > limit ? page.at(-1)!.clientId : null };
  }

  async get(clientId: string): Promise<ClientView> {
    const row = await repo.findClient(this.db, clientId);
    if (!row) throw notFound(`client ${clientId} not found`);
    return toClientView(row);
  }

  async create(
    actor: string,
    input: { client_id?: string | undefined; scopes: Scope[]; description: string },
  ): Promise<ClientView & { client_secret: string }> {
    const clientId = input.client_id ?? `client-${randomBytes(8).toString('hex')}`;
    const secret = randomBytes(32).toString('base64url');
    const secretHash = await hashPassword(secret);
    return this.db.transaction(async (tx) => {
      const row = await repo.insertClient(tx, {
        clientId,
        secretHash,
        scopes: [...new Set(input.scopes)],
        description: input.description,
        createdBy: actor,
      });
      if (!row) throw conflict(`client ${clientId} already exists`);
      const view = toClientView(row);
      await recordEvent(tx, { type: 'client.created', subject: clientId, actor, payload: view });
      return { ...view, client_secret: secret };
    });
  }

  async update(
    actor: string,
    clientId: string,
    input: { scopes?: Scope[] | undefined; description?: string | undefined; disabled?: boolean | undefined },
  ): Promise<ClientView> {
    return this.db.transaction(async (tx) => {
      const row = await repo.updateClient(tx, clientId, {
        ...(input.scopes ? { scopes: [...new Set(input.scopes)] } : {}),
        ...(input.description !== undefined ? { description: input.description } : {}),
        ...(input.disabled !== undefined ? { disabled: input.disabled } : {}),
      });
      if (!row) throw notFound(`client ${clientId} not found`);
      const view = toClientView(row);
      await recordEvent(tx, { type: 'client.updated', subject: clientId, actor, payload: view });
      return view;
    });
  }

  async remove(actor: string, clientId: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const row = await repo.deleteClient(tx, clientId);
      if (!row) throw notFound(`client ${clientId} not found`);
      await recordEvent(tx, { type: 'client.deleted', subject: clientId, actor, payload: toClientView(row) });
    });
  }

  /** Client-credentials grant (RFC 6749 §4.4). */
  async issueToken(clientId: string, secret: string, requestedScope: string | undefined) {
    const row = await repo.findClient(this.db, clientId);
    const valid = row ? await verifyPassword(row.secretHash, secret) : await verifyAgainstNothing(secret);
    if (!row || !valid || row.disabled) throw new OAuthError(401, 'invalid_client', 'client authentication failed');
    const allowed = row.scopes.filter(isScope);
    let scopes: Scope[] = allowed;
    if (requestedScope !== undefined && requestedScope.trim() !== '') {
      const requested = [...new Set(requestedScope.trim().split(/\s+/))];
      const refused = requested.filter((s) => !isScope(s) || !allowed.includes(s));
      if (refused.length) throw new OAuthError(400, 'invalid_scope', `scope not allowed for this client: ${refused.join(' ')}`);
      scopes = requested as Scope[];
    }
    const accessToken = this.tokens.issue({ sub: row.clientId, kind: 'client', scopes });
    return {
      access_token: accessToken,
      token_type: 'Bearer' as const,
      expires_in: this.tokens.expiresInSeconds,
      scope: scopes.join(' '),
    };
  }

  /** The principal for a client named in a valid token; undefined if removed or disabled since. */
  async principalFor(clientId: string, tokenScopes: readonly string[]): Promise<Principal | undefined> {
    const row = await this.#clientOf(clientId);
    if (!row || row.disabled) return undefined;
    const scopes = row.scopes.filter((s): s is Scope => isScope(s) && tokenScopes.includes(s));
    return { kind: 'client', name: row.clientId, isAdmin: scopes.includes('tams-api/admin'), scopes: new Set(scopes) };
  }

  /** Start-up bootstrap from OAUTH_CLIENT_ID/SECRET: the client exists with that secret and all scopes. */
  async ensureClient(clientId: string, secret: string): Promise<void> {
    const existing = await repo.findClient(this.db, clientId);
    if (!existing) {
      const secretHash = await hashPassword(secret);
      const created = await this.db.transaction(async (tx) => {
        const row = await repo.insertClient(tx, { clientId, secretHash, scopes: [...SCOPES], createdBy: 'system', description: 'from OAUTH_CLIENT_ID' });
        if (row) await recordEvent(tx, { type: 'client.created', subject: clientId, actor: null, payload: toClientView(row) });
        return row !== undefined;
      });
      if (created) return;
    }
    const current = existing ?? (await repo.findClient(this.db, clientId))!;
    const secretMatches = await verifyPassword(current.secretHash, secret);
    if (!secretMatches || current.disabled || SCOPES.some((s) => !current.scopes.includes(s))) {
      await repo.updateClient(this.db, clientId, { secretHash: await hashPassword(secret), scopes: [...SCOPES], disabled: false });
    }
  }
}
