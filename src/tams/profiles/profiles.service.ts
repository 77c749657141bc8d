import type { Db } from '../../db/client.js';
import { recordEvent } from '../../events/outbox.js';
import { badRequest, notFound } from '../../http/errors.js';
import { fetchPage, type Page } from '../http/paging.js';
import * as repo from './profiles.repo.js';
import type { ProfileBody, ProfileDoc, ProfileListQuery } from './profiles.schemas.js';

export function toProfileDoc(row: repo.ProfileRow): ProfileDoc {
  return {
    id: row.id,
    ...(row.label !== null ? { label: row.label } : {}),
    ...(row.description !== null ? { description: row.description } : {}),
    tags: row.tags,
    flow_metadata: row.flowMetadata as ProfileDoc['flow_metadata'],
    created: row.created.toISOString(),
    created_by: row.createdBy,
  };
}

/** Flow profiles: created once, never changed (flows made from one must keep matching it). */
export class ProfilesService {
  constructor(private readonly db: Db) {}

  async list(query: ProfileListQuery): Promise<Page<ProfileDoc>> {
    const page = await fetchPage(repo.profileOrder, query, (after, orderBy, limit) => repo.listProfiles(this.db, query, after, orderBy, limit));
    return { ...page, items: page.items.map(toProfileDoc) };
  }

  async get(id: string): Promise<ProfileDoc> {
    const row = await repo.findProfile(this.db, id);
    if (!row) throw notFound(`profile ${id} does not exist`);
    return toProfileDoc(row);
  }

  /** The spec answers 400 for a profile that exists already, identical or not: profiles are immutable. */
  async create(actor: string, id: string, body: ProfileBody): Promise<ProfileDoc> {
    if (body.id !== id) throw badRequest(`id: the body's id ${body.id} differs from the path's ${id}`);
    return this.db.transaction(async (tx) => {
      const row = await repo.insertProfile(tx, {
        id,
        label: body.label ?? null,
        description: body.description ?? null,
        tags: body.tags ?? {},
        flowMetadata: body.flow_metadata,
        createdBy: actor,
      });
      if (!row) throw badRequest(`profile ${id} already exists; profiles cannot be changed, create a new one`);
      const doc = toProfileDoc(row);
      await recordEvent(tx, { type: 'tams.profiles.created', subject: id, actor, payload: { profile: doc } });
      return doc;
    });
  }
}
