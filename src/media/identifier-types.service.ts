import type { Db } from '../db/client.js';
import { conflict, notFound } from '../http/errors.js';
import type { Change } from './change.js';
import { recordConfigChange } from './history.service.js';
import * as repo from './identifier-types.repo.js';
import type { IdentifierType } from './identifier-types.schemas.js';
import { matchesPattern } from './patterns.js';

const toView = (row: Pick<repo.IdentifierTypeRow, 'name' | 'pattern'>): IdentifierType => ({ name: row.name, pattern: row.pattern });

/** Values checked per round trip when a pattern changes. */
const CHECK_BATCH = 5000;

export class IdentifierTypesService {
  constructor(private readonly db: Db) {}

  async list(): Promise<IdentifierType[]> {
    return (await repo.listTypes(this.db)).map(toView);
  }

  async get(name: string): Promise<IdentifierType> {
    const row = await repo.findType(this.db, name);
    if (!row) throw notFound(`identifier type ${name} not found`);
    return toView(row);
  }

  async create(change: Change, input: IdentifierType): Promise<IdentifierType> {
    return this.db.transaction(async (tx) => {
      const row = await repo.insertType(tx, { ...input, actor: change.actor });
      if (!row) throw conflict(`identifier type ${input.name} already exists; change its pattern with PUT /api/identifier`);
      const view = toView(row);
      await recordConfigChange(tx, change, { resource: 'identifier_type', id: row.name, type: '+', snapshot: view });
      return view;
    });
  }

  /**
   * Changes the pattern. Refused (409, naming a record) while values of this type in use do
   * not match the new pattern: a pattern is a promise about every value of the type. The type
   * is locked meanwhile, so media writes that use it wait.
   */
  async update(change: Change, input: IdentifierType): Promise<void> {
    await this.db.transaction(async (tx) => {
      const current = await repo.findType(tx, input.name, 'update');
      if (!current) throw notFound(`identifier type ${input.name} not found`);
      if (current.pattern === input.pattern) return;
      if (input.pattern !== '') await this.assertValuesMatch(tx, input.name, input.pattern);
      const row = await repo.updatePattern(tx, input.name, input.pattern, change.actor);
      await recordConfigChange(tx, change, { resource: 'identifier_type', id: row.name, type: '~', snapshot: toView(row), changed: ['pattern'] });
    });
  }

  async remove(change: Change, name: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const current = await repo.findType(tx, name, 'update');
      if (!current) throw notFound(`identifier type ${name} not found`);
      const user = await repo.mediaUsingType(tx, name);
      if (user !== undefined) throw conflict(`identifier type ${name} is used by media (e.g. ${user}); it cannot be deleted`);
      await repo.deleteType(tx, name);
      await recordConfigChange(tx, change, { resource: 'identifier_type', id: name, type: '-', snapshot: toView(current) });
    });
  }

  /**
   * For media writes: the patterns of the named types that exist, share-locked until the
   * transaction ends so that no pattern changes under a write that checked against it.
   */
  async patternsFor(tx: Db, names: Iterable<string>): Promise<Map<string, string>> {
    const rows = await repo.lockTypes(tx, [...new Set(names)].sort());
    return new Map(rows.map((r) => [r.name, r.pattern]));
  }

  private async assertValuesMatch(tx: Db, name: string, pattern: string): Promise<void> {
    for (const source of ['pid', 'identifier'] as const) {
      for (let after = 0; ; ) {
        const batch = await repo.valuesOfType(tx, name, source, after, CHECK_BATCH);
        const bad = batch.find((v) => !matchesPattern(pattern, v.value));
        if (bad) {
          const where = source === 'pid' ? `the pid of ${bad.pid}` : `identifiers.${name} of ${bad.pid} ("${bad.value}")`;
          throw conflict(`the new pattern of ${name} does not match ${where}; change those values first`);
        }
        if (batch.length < CHECK_BATCH) break;
        after = batch.at(-1)!.id;
      }
    }
  }
}
