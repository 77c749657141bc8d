import { readFileSync } from 'node:fs';

/** This software's version (package.json), as the OpenAPI document and TAMS `service_version` report it. */
export const version = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
