import { request as httpRequest } from 'node:http';
import { encode } from './arbitraries.js';

export interface Answer {
  status: number;
  contentType: string;
  body: string;
}

export type Transport = 'json' | 'wrong-type' | 'truncated' | 'invalid-utf8' | 'none' | 'form';

/**
 * Exactly these bytes, with this path, to the server at `baseUrl`: no client library between
 * the case and the wire (supertest and fetch refuse or repair broken paths and bodies).
 */
export function sendRaw(baseUrl: string, method: string, path: string, transport: Transport, body: unknown, token: string): Promise<Answer> {
  let payload: Buffer | undefined;
  let contentType: string | undefined;
  const json = JSON.stringify(body) ?? 'null';
  switch (transport) {
    case 'json': payload = Buffer.from(json); contentType = 'application/json'; break;
    case 'wrong-type': payload = Buffer.from(json); contentType = 'text/plain'; break;
    case 'truncated': payload = Buffer.from(json.slice(0, Math.max(1, Math.floor(json.length / 2)))); contentType = 'application/json'; break;
    case 'invalid-utf8': payload = Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xed, 0xa0, 0x80]), Buffer.from('"}')]); contentType = 'application/json'; break;
    case 'form': payload = Buffer.from(`grant_type=${encode(String(json))}&client_id=%FF&scope=`); contentType = 'application/x-www-form-urlencoded'; break;
    case 'none': break;
  }
  return new Promise((resolve, reject) => {
    const url = new URL(baseUrl);
    const req = httpRequest(
      {
        host: url.hostname, port: url.port, method: method.toUpperCase(), path,
        headers: { Authorization: `Bearer ${token}`, ...(contentType ? { 'Content-Type': contentType, 'Content-Length': payload!.length } : {}) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.setTimeout(15_000, () => req.destroy(new Error(`${method} ${path}: no answer within 15 s`)));
    req.on('error', reject);
    req.end(payload);
  });
}
