-- Segment registration, not the database, now keeps a flow's segments from overlapping: every
-- writer holds the flow's row lock (FOR UPDATE) and probes for overlaps after taking it, so no
-- other writer of that flow can commit in between (src/tams/segments/registration.ts). The GiST
-- exclusion constraint repeated that check and cost about 35 µs per inserted row, more than the
-- rest of the insert; bulk registration was bound by it. Overlap reads are served by the btree
-- on the start instead: segments never overlap, so ordered by start their ends are ordered too.
ALTER TABLE tams_segments DROP CONSTRAINT tams_segments_no_overlap;
--> statement-breakpoint
-- Unique: the database still refuses two segments of a flow with the same start (the overlap a
-- repeated registration would make), at no extra cost over the plain index it replaces.
CREATE UNIQUE INDEX tams_segments_flow_start_key ON tams_segments (flow_id, lower(range));
--> statement-breakpoint
DROP INDEX tams_segments_flow_start_idx;
