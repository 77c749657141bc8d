import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { expect } from 'vitest';
import { parse } from 'yaml';

/**
 * The TAMS 8.2 specification as a test oracle. The YAML and the JSON schemas are read from
 * `../shared/tams-spec` (or TAMS_SPEC_DIR), never copied into the project. Schema quirks handled
 * here (see docs/tams-spec-digest.md §11): draft 2020-12 (`unevaluatedProperties`), bare file
 * names as `$ref`s, `date-time`/`uri` formats, OpenAPI's `example` keyword inside schemas.
 */
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const SPEC_DIR = process.env.TAMS_SPEC_DIR ?? path.resolve(repoRoot, '..', 'shared', 'tams-spec');

type Json = Record<string, unknown>;
interface Operation {
  responses?: Record<string, Json>;
}

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => void;

function readJson(file: string): unknown {
  return JSON.parse(readFileSync(file, 'utf8'));
}

/** `schemas/x.json` → `x.json` (the id each file is registered under); OpenAPI-only keywords dropped. */
export function toJsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (node === null || typeof node !== 'object') return node;
  const out: Json = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === 'example' || k === 'examples') continue;
    out[k] = k === '$ref' && typeof v === 'string' ? v.replace(/^schemas\//, '') : toJsonSchema(v);
  }
  return out;
}

class TamsSpec {
  readonly ajv = new Ajv2020({ strict: false, allErrors: true });
  readonly document: { paths: Record<string, Record<string, Operation>>; components: { responses: Record<string, Json> } };
  private readonly paths: { template: string; pattern: RegExp }[];
  private readonly cache = new Map<string, ValidateFunction | null>();

  constructor(readonly dir: string) {
    addFormats(this.ajv);
    for (const file of readdirSync(path.join(dir, 'schemas')).filter((f) => f.endsWith('.json'))) {
      this.ajv.addSchema(readJson(path.join(dir, 'schemas', file)) as Json, file);
    }
    this.document = parse(readFileSync(path.join(dir, 'TimeAddressableMediaStore.yaml'), 'utf8')) as TamsSpec['document'];
    this.paths = Object.keys(this.document.paths).map((template) => ({
      template,
      pattern: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`),
    }));
  }

  /** The spec path template a request path (relative to /tams) falls under. */
  templateOf(requestPath: string): string | undefined {
    return this.paths.find((p) => p.pattern.test(requestPath))?.template;
  }

  operation(method: string, template: string): Operation | undefined {
    return this.document.paths[template]?.[method.toLowerCase()];
  }

  /** The response object for a status, with a `$ref` to components/responses resolved (its siblings win). */
  response(method: string, template: string, status: number): Json | undefined {
    const declared = this.operation(method, template)?.responses?.[String(status)];
    if (!declared) return undefined;
    const ref = declared.$ref as string | undefined;
    const base = ref ? this.document.components.responses[ref.replace('#/components/responses/', '')] : undefined;
    return { ...base, ...declared };
  }

  /** A validator for the JSON body of that response, or null when the spec defines no body. */
  responseValidator(method: string, template: string, status: number): ValidateFunction | null {
    const key = `${method} ${template} ${status}`;
    if (!this.cache.has(key)) {
      const content = this.response(method, template, status)?.content as Record<string, { schema?: unknown }> | undefined;
      const schema = content?.['application/json']?.schema;
      this.cache.set(key, schema === undefined ? null : this.compile(schema));
    }
    return this.cache.get(key)!;
  }

  /** A validator for a schema written in the YAML (refs to `schemas/...`). */
  compile(schema: unknown): ValidateFunction {
    return this.ajv.compile(toJsonSchema(schema) as Json);
  }

  /** A validator for the body of the spec's webhook of this event type (`flows/created`...). */
  webhookValidator(eventType: string): ValidateFunction {
    const hook = (this.document as unknown as { webhooks: Record<string, { post: { requestBody: { content: Record<string, { schema: unknown }> } } }> }).webhooks[eventType];
    if (!hook) throw new Error(`no webhook ${eventType} in the spec`);
    return this.compile(hook.post.requestBody.content['application/json']!.schema);
  }

  /** A validator for one of the schema files, e.g. `flow-put.json`. */
  schema(file: string): ValidateFunction {
    const validate = this.ajv.getSchema(file);
    if (!validate) throw new Error(`no schema ${file} in ${this.dir}/schemas`);
    return validate;
  }

  example(file: string): Json {
    return readJson(path.join(this.dir, 'examples', file)) as Json;
  }

  exampleFiles(): string[] {
    return readdirSync(path.join(this.dir, 'examples')).filter((f) => f.endsWith('.json'));
  }
}

let loaded: TamsSpec | undefined;
export function tamsSpec(): TamsSpec {
  try {
    loaded ??= new TamsSpec(SPEC_DIR);
  } catch (err) {
    throw new Error(`the TAMS spec is needed at ${SPEC_DIR} (or set TAMS_SPEC_DIR): ${(err as Error).message}`, { cause: err });
  }
  return loaded;
}

export const describeErrors = (validate: ValidateFunction) => validate.errors?.map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`).join('; ');

interface ResponseLike {
  status: number;
  headers: Record<string, string | undefined>;
  body: unknown;
  text?: string;
  req: { method: string; path: string };
}

/**
 * Checks a /tams response against the spec: `Content-Type: application/json` exactly; the body
 * valid against the spec's schema for that operation and status (error bodies against the
 * spec's error.json plus `message`); no body on HEAD and 204; the declared paging headers of
 * the declared types. Success statuses must be ones the spec lists for the operation.
 */
export function expectSpecResponse(res: ResponseLike): void {
  const spec = tamsSpec();
  const method = res.req.method;
  const requestPath = new URL(res.req.path, 'http://x').pathname.replace(/^\/tams/, '') || '/';
  const where = `${method} ${requestPath} → ${res.status}`;
  expect(res.headers['content-type'], `${where}: Content-Type`).toBe('application/json');
  const template = spec.templateOf(requestPath);
  const noBody = method === 'HEAD' || res.status === 204;
  if (noBody) expect(res.text ?? '', `${where}: no body`).toBe('');
  if (res.status >= 400) {
    if (noBody) return;
    const validate = spec.schema('error.json');
    expect(validate(res.body), `${where}: error body ${describeErrors(validate)}`).toBe(true);
    const message = (res.body as { message?: unknown }).message;
    expect(typeof message === 'string' || (Array.isArray(message) && message.every((m) => typeof m === 'string')), `${where}: message`).toBe(true);
    return;
  }
  expect(template, `${where}: path not in the spec`).toBeDefined();
  const declared = spec.response(method, template!, res.status);
  expect(declared, `${where}: status not among the spec's responses for ${method} ${template}`).toBeDefined();
  for (const [name, header] of Object.entries((declared!.headers ?? {}) as Record<string, { schema?: { type?: string } }>)) {
    const value = res.headers[name.toLowerCase()];
    if (value === undefined) continue;
    const type = header.schema?.type;
    if (type === 'integer') expect(value, `${where}: header ${name}`).toMatch(/^-?\d+$/);
    if (type === 'boolean') expect(value, `${where}: header ${name}`).toMatch(/^(true|false)$/);
  }
  if (noBody) return;
  const validate = spec.responseValidator(method, template!, res.status);
  if (validate) expect(validate(res.body), `${where}: body ${describeErrors(validate)}`).toBe(true);
}
