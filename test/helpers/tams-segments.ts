import { expect } from 'vitest';
import type { TamsClient } from './tams.js';

export interface Allocated {
  object_id: string;
  put_url: { url: string; 'content-type'?: string };
}

/** POST /flows/{id}/storage; returns the media objects. */
export async function allocate(api: TamsClient, flowId: string, body: Record<string, unknown> = { limit: 1 }): Promise<Allocated[]> {
  const res = await api.post(`/flows/${flowId}/storage`, body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return (res.body as { media_objects: Allocated[] }).media_objects;
}

/** A plain HTTP PUT of the bytes to the object's put_url, as a TAMS client does. */
export async function upload(object: Allocated, bytes: Buffer): Promise<void> {
  const res = await fetch(object.put_url.url, { method: 'PUT', body: bytes, headers: { 'content-type': object.put_url['content-type'] ?? 'application/octet-stream' } });
  expect(res.status, await res.clone().text()).toBe(200);
}

/** The bytes behind a URL (a get_urls item). */
export async function download(url: string): Promise<Buffer> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  return Buffer.from(await res.arrayBuffer());
}

/** `[s:0_e:0)` for whole seconds. */
export const seconds = (s: number, e: number) => `[${s}:0_${e}:0)`;
