-- Segments of one flow never overlap (TAMS: a service may refuse overlapping segments with a
-- 400). The exclusion constraint refuses them atomically, even between concurrent writers, and
-- its GiST index (btree_gist, migration 0000, for the uuid equality) serves "segments of flow F
-- overlapping [a,b)" as an index range scan. Not expressible in drizzle's table definitions.
ALTER TABLE tams_segments ADD CONSTRAINT tams_segments_no_overlap EXCLUDE USING gist (flow_id WITH =, range WITH &&);
--> statement-breakpoint
-- Pages in time order (GET without a timerange, the hull of a flow's segments): segments never
-- overlap, so lower(range) orders them and is unique per flow.
CREATE INDEX tams_segments_flow_start_idx ON tams_segments (flow_id, lower(range));
--> statement-breakpoint
-- Segments are bounded and non-empty: the service checks it; the database guarantees it.
ALTER TABLE tams_segments ADD CONSTRAINT tams_segments_bounded CHECK (NOT isempty(range) AND NOT lower_inf(range) AND NOT upper_inf(range));
