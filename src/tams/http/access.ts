/**
 * Who may call a TAMS operation (DESIGN.md): `tams-api/read` for GET and HEAD, `write` for PUT
 * and POST, `delete` for DELETE, `admin` for service settings. Spread into a route definition.
 */
export const READ = { access: 'user', scopes: ['tams-api/read'] } as const;
export const WRITE = { access: 'user', scopes: ['tams-api/write'] } as const;
export const DELETE = { access: 'user', scopes: ['tams-api/delete'] } as const;
export const ADMIN = { access: 'user', scopes: ['tams-api/admin'] } as const;
