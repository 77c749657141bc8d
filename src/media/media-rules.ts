import { isDeepStrictEqual } from 'node:util';
import { notFound, unprocessable } from '../http/errors.js';
import type { JsonObject } from './common.schemas.js';
import { matchesPattern } from './patterns.js';

/**
 * The rules of media records that need no database: identifiers against their types'
 * patterns, and edits of the metadata object at a key path.
 */

/** A broken domain rule, AMPLIfy's `{"error": ...}` with where it applies. */
export interface RuleIssue {
  error: string;
  loc: (string | number)[];
}

export const refuse = (issues: RuleIssue[]) => unprocessable(issues.map((i) => i.error).slice(0, 5).join('; '), issues);

/**
 * Checks a record's pid and identifiers against the identifier types (`patterns`: the types
 * that exist, by name). Returns the identifiers to store: an identifier of the pid's own type
 * is dropped when it repeats the pid (AMPLIfy does the same) and refused when it differs.
 */
export function checkIdentity(
  patterns: Map<string, string>,
  record: { pid: string; pidType: string; identifiers: Record<string, string> },
  loc: (string | number)[],
): { identifiers: Record<string, string>; issues: RuleIssue[] } {
  const issues: RuleIssue[] = [];
  const { pid, pidType } = record;
  const pidPattern = patterns.get(pidType);
  if (pidPattern === undefined) {
    issues.push({ error: `bad pid_type: ${pidType} (no such identifier type; create it with POST /api/identifier)`, loc: [...loc, 'pid_type'] });
  } else if (!matchesPattern(pidPattern, pid)) {
    issues.push({ error: `pid "${pid}" does not match the pattern of identifier type ${pidType}: ${pidPattern}`, loc: [...loc, 'pid'] });
  }
  const identifiers: Record<string, string> = {};
  for (const [type, value] of Object.entries(record.identifiers)) {
    const at = [...loc, 'identifiers', type];
    const pattern = patterns.get(type);
    if (pattern === undefined) issues.push({ error: `bad identifier_type: ${type} (no such identifier type)`, loc: at });
    else if (type === pidType) {
      if (value !== pid) issues.push({ error: `identifiers.${type} ("${value}") differs from the pid ("${pid}"), which has the same type`, loc: at });
    } else if (!matchesPattern(pattern, value)) {
      issues.push({ error: `identifiers.${type} "${value}" does not match the pattern of identifier type ${type}: ${pattern}`, loc: at });
    } else identifiers[type] = value;
  }
  return { identifiers, issues };
}

const isObject = (v: unknown): v is JsonObject => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The object at `keys`; intermediate objects are created when `create`, else 404 when missing. */
function objectAt(metadata: JsonObject, keys: string[], create: boolean): JsonObject {
  let node = metadata;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    if (!Object.hasOwn(node, key) && create) node[key] = {};
    const next = Object.hasOwn(node, key) ? node[key] : undefined;
    const path = `metadata.${keys.slice(0, i + 1).join('.')}`;
    if (next === undefined) throw notFound(`${path} does not exist`);
    if (!isObject(next)) throw unprocessable(`${path} is not an object`, [{ error: `${path} is not an object` }]);
    node = next;
  }
  return node;
}

const notAnObject = (what: string) => unprocessable(`${what} must be a JSON object`, [{ error: `${what} must be a JSON object` }]);

/** PUT: `data` replaces the value at `keys` (the whole metadata when `keys` is empty). */
export function putMetadata(metadata: JsonObject, keys: string[], data: unknown): JsonObject {
  if (keys.length === 0) {
    if (!isObject(data)) throw notAnObject('data (the whole metadata)');
    return data;
  }
  const copy = structuredClone(metadata);
  objectAt(copy, keys.slice(0, -1), true)[keys.at(-1)!] = data;
  return copy;
}

/** PATCH: the keys of `data` are set in the object at `keys` (a shallow merge), which is created if missing. */
export function patchMetadata(metadata: JsonObject, keys: string[], data: unknown): JsonObject {
  if (!isObject(data)) throw notAnObject('data');
  const copy = structuredClone(metadata);
  Object.assign(objectAt(copy, keys, true), data);
  return copy;
}

/** DELETE: removes the value at `keys` (404 when there is none); empty `keys` clears the metadata. */
export function deleteMetadata(metadata: JsonObject, keys: string[]): JsonObject {
  if (keys.length === 0) return {};
  const copy = structuredClone(metadata);
  const parent = objectAt(copy, keys.slice(0, -1), false);
  const last = keys.at(-1)!;
  if (!Object.hasOwn(parent, last)) throw notFound(`metadata.${keys.join('.')} does not exist`);
  delete parent[last];
  return copy;
}

/** Tags in first-seen order, each once. */
export const uniqueTags = (tags: string[]): string[] => [...new Set(tags)];

/** The fields of `changes` whose values differ from `current`. */
export function changedKeys<T extends object>(current: T, changes: Partial<T>): (keyof T)[] {
  return (Object.keys(changes) as (keyof T)[]).filter((k) => !isDeepStrictEqual(current[k], changes[k]));
}
