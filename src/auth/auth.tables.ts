import { sql } from 'drizzle-orm';
import { bigserial, boolean, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

export const users = pgTable('users', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  username: text('username').notNull().unique(),
  passwordHash: text('password_hash').notNull(),
  isAdmin: boolean('is_admin').notNull().default(false),
  disabled: boolean('disabled').notNull().default(false),
  created: timestamp('created', { withTimezone: true }).notNull().defaultNow(),
  updated: timestamp('updated', { withTimezone: true }).notNull().defaultNow(),
});

/** Machine clients for the OAuth2 client-credentials grant; the secret is stored hashed only. */
export const apiClients = pgTable('api_clients', {
  clientId: text('client_id').primaryKey(),
  secretHash: text('secret_hash').notNull(),
  scopes: text('scopes')
    .array()
    .notNull()
    .default(sql`'{}'::text[]`),
  description: text('description').notNull().default(''),
  disabled: boolean('disabled').notNull().default(false),
  created: timestamp('created', { withTimezone: true }).notNull().defaultNow(),
  createdBy: text('created_by').notNull(),
});
