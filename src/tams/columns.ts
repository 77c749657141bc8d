import { jsonb, timestamp } from 'drizzle-orm/pg-core';
import type { Tags } from './common.schemas.js';

/**
 * Date-times in millisecond precision: exactly what a JS Date holds, so the value a listing
 * puts in a page key compares equal to the stored one.
 */
export const instant = (name: string) => timestamp(name, { withTimezone: true, precision: 3 });

export const tagsColumn = () => jsonb('tags').$type<Tags>().notNull().default({});
