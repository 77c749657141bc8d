import { expect } from 'vitest';
import type { TestApp } from './app.js';
import { expectSpecResponse } from './tams-spec.js';

/**
 * A TAMS client written from the spec alone: plain fetch over real HTTP, a token from the
 * OAuth2 client-credentials grant; every reply checked against the spec.
 */

export interface Reply {
  status: number;
  body: unknown;
  headers: Headers;
}

export type TamsFetch = (method: string, pathOrUrl: string, body?: unknown) => Promise<Reply>;

/** Registers an OAuth2 client (set-up outside TAMS, by an administrator) and returns a fetch-based client of /tams. */
export async function specClient(t: TestApp, clientId = 'e2e-client'): Promise<TamsFetch> {
  const created = await t.http.post('/api/clients').set('Authorization', `Bearer ${t.adminToken}`).send({ client_id: clientId, scopes: ['tams-api/read', 'tams-api/write', 'tams-api/delete'] });
  const grant = await fetch(`${t.baseUrl}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${clientId}:${String(created.body.client_secret)}`).toString('base64')}` },
    body: 'grant_type=client_credentials',
  });
  const token = ((await grant.json()) as { access_token: string }).access_token;
  const base = `${t.baseUrl}/tams`;
  return async (method, pathOrUrl, body) => {
    const url = pathOrUrl.startsWith('http') ? pathOrUrl : `${base}${pathOrUrl}`;
    const res = await fetch(url, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    const parsed: unknown = text ? JSON.parse(text) : undefined;
    expectSpecResponse({ status: res.status, headers: Object.fromEntries(res.headers), body: parsed, text, req: { method, path: new URL(url).pathname + new URL(url).search } });
    return { status: res.status, body: parsed, headers: res.headers };
  };
}

/** Every item of a listing, following `Link: <...>; rel="next"`. */
export async function listAll<T>(tams: TamsFetch, path: string): Promise<T[]> {
  const items: T[] = [];
  let next: string | undefined = path;
  while (next) {
    const page = await tams('GET', next);
    expect(page.status).toBe(200);
    items.push(...(page.body as T[]));
    next = /<([^>]+)>;\s*rel="next"/.exec(page.headers.get('link') ?? '')?.[1];
  }
  return items;
}
