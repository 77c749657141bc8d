-- Wildcard search in identifier values (`{"identifiers": {"ISAN": "0000-*"}}`): a trigram index
-- over all of a record's identifiers as one text, `<US>type=value<US>type=value<US>` (US is the
-- unit separator, which no identifier contains), so that `like '%<US>ISAN=0000-%<US>%'` finds
-- candidates by index; the search rechecks `identifiers ->> 'ISAN' like '0000-%'` exactly.
-- Not expressible in drizzle's table definitions, hence this custom migration.
CREATE FUNCTION media_identifiers_text(identifiers jsonb) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  RETURN chr(31) || coalesce((SELECT string_agg(key || '=' || value, chr(31) ORDER BY key) || chr(31) FROM jsonb_each_text(identifiers)), '');
--> statement-breakpoint
CREATE INDEX media_identifiers_trgm_idx ON media USING gin (media_identifiers_text(identifiers) gin_trgm_ops);
