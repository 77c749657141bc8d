export const SCOPES = ['tams-api/read', 'tams-api/write', 'tams-api/delete', 'tams-api/admin'] as const;
export type Scope = (typeof SCOPES)[number];

/** Scopes a user's login token carries: everything the role allows. */
export function scopesForRole(isAdmin: boolean): Scope[] {
  return isAdmin ? [...SCOPES] : ['tams-api/read', 'tams-api/write', 'tams-api/delete'];
}

/** Who is calling: a logged-in user or an OAuth2 client, as checked against the database. */
export interface Principal {
  kind: 'user' | 'client';
  /** username, or client_id */
  name: string;
  /** Users with the admin role; clients holding `tams-api/admin`. */
  isAdmin: boolean;
  scopes: ReadonlySet<Scope>;
}

export function isScope(s: string): s is Scope {
  return (SCOPES as readonly string[]).includes(s);
}
