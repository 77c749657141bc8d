DROP INDEX "media_delete_requested_idx";--> statement-breakpoint
CREATE INDEX "media_deletions_due_idx" ON "media" USING btree ("delete_requested","id") WHERE "media"."delete_requested" is not null;