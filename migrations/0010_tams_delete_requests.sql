CREATE TABLE "tams_delete_requests" (
	"id" uuid PRIMARY KEY NOT NULL,
	"flow_id" uuid NOT NULL,
	"timerange_to_delete" text NOT NULL,
	"timerange_remaining" text NOT NULL,
	"object_id" text,
	"delete_flow" boolean NOT NULL,
	"status" text DEFAULT 'created' NOT NULL,
	"created" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"created_by" text NOT NULL,
	"updated" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"expiry" timestamp (3) with time zone,
	"error" jsonb,
	"deleted_segments" integer DEFAULT 0 NOT NULL,
	"lease_owner" text,
	"lease_until" timestamp (3) with time zone
);
--> statement-breakpoint
CREATE TABLE "tams_released_objects" (
	"pid" text PRIMARY KEY NOT NULL,
	"actor" text NOT NULL,
	"released" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "tams_delete_requests_pending_idx" ON "tams_delete_requests" USING btree ("flow_id") WHERE "tams_delete_requests"."status" in ('created', 'started');--> statement-breakpoint
CREATE INDEX "tams_delete_requests_created_idx" ON "tams_delete_requests" USING btree ("created","id");--> statement-breakpoint
CREATE INDEX "tams_delete_requests_expiry_idx" ON "tams_delete_requests" USING btree ("expiry");--> statement-breakpoint
CREATE INDEX "tams_released_objects_released_idx" ON "tams_released_objects" USING btree ("released");