import { randomBytes } from 'node:crypto';
import { and, count, eq } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { recordEvent } from '../events/outbox.js';
import { conflict, notFound, unauthorized } from '../http/errors.js';
import { users } from './auth.tables.js';
import { hashPassword, verifyAgainstNothing, verifyPassword } from './passwords.js';
import { scopesForRole, type Principal } from './principal.js';
import { sharedLookup } from './shared-lookup.js';
import type { TokenService } from './tokens.js';
import * as repo from './users.repo.js';
import type { UserView } from './users.schemas.js';

export function toUserView(row: repo.UserRow): UserView {
  return {
    username: row.username,
    is_admin: row.isAdmin,
    disabled: row.disabled,
    created: row.created.toISOString(),
    updated: row.updated.toISOString(),
  };
}

export class UsersService {
  readonly #findUser: ReturnType<typeof repo.prepareFindUser>;
  /** The account behind a token, read once for the requests of one event-loop turn. */
  readonly #accountOf: (username: string) => Promise<repo.UserRow | undefined>;

  constructor(
    private readonly db: Db,
    private readonly tokens: TokenService,
  ) {
    this.#findUser = repo.prepareFindUser(db);
    this.#accountOf = sharedLookup(async (username) => (await this.#findUser.execute({ username }))[0]);
  }

  /** The active user with these credentials, or undefined. */
  async authenticatePassword(username: string, password: string): Promise<repo.UserRow | undefined> {
    const user = await repo.findUser(this.db, username);
    if (!user) return verifyAgainstNothing(password).then(() => undefined);
    const ok = await verifyPassword(user.passwordHash, password);
    return ok && !user.disabled ? user : undefined;
  }

  /** HTTP Basic: the principal of the active user with these credentials, with every scope the role allows. */
  async principalForPassword(username: string, password: string): Promise<Principal | undefined> {
    const user = await this.authenticatePassword(username, password);
    if (!user) return undefined;
    return { kind: 'user', name: user.username, isAdmin: user.isAdmin, scopes: new Set(scopesForRole(user.isAdmin)) };
  }

  async login(username: string, password: string): Promise<string> {
    const user = await this.authenticatePassword(username, password);
    if (!user) throw unauthorized('invalid username or password');
    return this.tokens.issue({ sub: user.username, kind: 'user', scopes: scopesForRole(user.isAdmin) });
  }

  /** The principal for a user named in a valid token; undefined if removed or disabled since. */
  async principalFor(username: string, tokenScopes: readonly string[]): Promise<Principal | undefined> {
    const user = await this.#accountOf(username);
    if (!user || user.disabled) return undefined;
    // The role as it is now wins over the role when the token was issued.
    const allowed = scopesForRole(user.isAdmin).filter((s) => tokenScopes.includes(s));
    return { kind: 'user', name: user.username, isAdmin: user.isAdmin, scopes: new Set(allowed) };
  }

  async list(cursor: string | undefined, limit: number) {
    const rows = await repo.listUsers(this.db, cursor, limit + 1);
    const page = rows.slice(0, limit);
    return { users: page.map(toUserView), next_cursor: rows.length > limit ? page.at(-1)!.username : null };
  }

  async get(username: string): Promise<UserView> {
    const user = await repo.findUser(this.db, username);
    if (!user) throw notFound(`user ${username} not found`);
    return toUserView(user);
  }

  async create(actor: string, input: { username: string; password: string; is_admin: boolean }): Promise<UserView> {
    const passwordHash = await hashPassword(input.password);
    return this.db.transaction(async (tx) => {
      const row = await repo.insertUser(tx, { username: input.username, passwordHash, isAdmin: input.is_admin });
      if (!row) throw conflict(`user ${input.username} already exists`);
      const view = toUserView(row);
      await recordEvent(tx, { type: 'user.created', subject: row.username, actor, payload: view });
      return view;
    });
  }

  async update(
    actor: string,
    username: string,
    input: { password?: string | undefined; is_admin?: boolean | undefined; disabled?: boolean | undefined },
  ): Promise<UserView> {
    const passwordHash = input.password === undefined ? undefined : await hashPassword(input.password);
    return this.db.transaction(async (tx) => {
      const current = await repo.findUser(tx, username);
      if (!current) throw notFound(`user ${username} not found`);
      const losesAdmin = current.isAdmin && !current.disabled && (input.is_admin === false || input.disabled === true);
      if (losesAdmin) await this.assertAnotherActiveAdmin(tx, username);
      const row = await repo.updateUser(tx, username, {
        ...(passwordHash !== undefined ? { passwordHash } : {}),
        ...(input.is_admin !== undefined ? { isAdmin: input.is_admin } : {}),
        ...(input.disabled !== undefined ? { disabled: input.disabled } : {}),
      });
      const view = toUserView(row!);
      const changed = Object.keys(input).filter((k) => k !== 'password');
      await recordEvent(tx, {
        type: 'user.updated',
        subject: username,
        actor,
        payload: { ...view, changed: input.password === undefined ? changed : [...changed, 'password'] },
      });
      return view;
    });
  }

  async remove(actor: string, username: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const current = await repo.findUser(tx, username);
      if (!current) throw notFound(`user ${username} not found`);
      if (current.isAdmin && !current.disabled) await this.assertAnotherActiveAdmin(tx, username);
      await repo.deleteUser(tx, username);
      await recordEvent(tx, { type: 'user.deleted', subject: username, actor, payload: toUserView(current) });
    });
  }

  async changeOwnPassword(username: string, currentPassword: string, newPassword: string): Promise<void> {
    const user = await this.authenticatePassword(username, currentPassword);
    if (!user) throw unauthorized('current password is wrong');
    await this.update(username, username, { password: newPassword });
  }

  /**
   * Makes sure an account exists with this password and role (start-up bootstrap from the
   * environment). Several replicas may run it at once: the insert is conflict-safe.
   * Returns true when the account was created.
   */
  async ensureUser(username: string, password: string, isAdmin: boolean): Promise<boolean> {
    const existing = await repo.findUser(this.db, username);
    if (!existing) {
      const created = await this.db.transaction(async (tx) => {
        const row = await repo.insertUser(tx, { username, passwordHash: await hashPassword(password), isAdmin });
        if (row) await recordEvent(tx, { type: 'user.created', subject: username, actor: null, payload: toUserView(row) });
        return row !== undefined;
      });
      if (created) return true;
    }
    const current = existing ?? (await repo.findUser(this.db, username))!;
    const passwordMatches = await verifyPassword(current.passwordHash, password);
    if (!passwordMatches || current.isAdmin !== isAdmin || current.disabled) {
      await this.update('system', username, { password, is_admin: isAdmin, disabled: false });
    }
    return false;
  }

  /**
   * The bootstrap admin: from SUPERUSER_* when given, else `admin` with a random password that
   * is returned (to be printed once) only when the account is created now.
   */
  async ensureAdmin(username: string, password: string | undefined): Promise<string | undefined> {
    if (password !== undefined) {
      await this.ensureUser(username, password, true);
      return undefined;
    }
    if (await repo.findUser(this.db, username)) return undefined;
    const generated = randomBytes(18).toString('base64url');
    return (await this.ensureUser(username, generated, true)) ? generated : undefined;
  }

  private async assertAnotherActiveAdmin(tx: Db, username: string): Promise<void> {
    const [row] = await tx
      .select({ n: count() })
      .from(users)
      .where(and(eq(users.isAdmin, true), eq(users.disabled, false)));
    if ((row?.n ?? 0) <= 1) throw conflict(`${username} is the last active administrator`);
  }
}
