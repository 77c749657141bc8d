-- Extensions used by later migrations: trigram indexes for wildcard search, and btree_gist
-- for exclusion constraints mixing equality with ranges (TAMS segments). Both ship with
-- PostgreSQL's contrib and with PGlite (loaded by src/db/client.ts).
CREATE EXTENSION IF NOT EXISTS pg_trgm;
--> statement-breakpoint
CREATE EXTENSION IF NOT EXISTS btree_gist;
