CREATE TABLE "fixity_audits" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"selection" jsonb NOT NULL,
	"status" text DEFAULT 'running' NOT NULL,
	"total" integer DEFAULT 0 NOT NULL,
	"checked" integer DEFAULT 0 NOT NULL,
	"matched" integer DEFAULT 0 NOT NULL,
	"mismatched" integer DEFAULT 0 NOT NULL,
	"errors" integer DEFAULT 0 NOT NULL,
	"last_media_id" bigint DEFAULT 0 NOT NULL,
	"mismatches" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"error" text,
	"created_by" text NOT NULL,
	"started" timestamp with time zone DEFAULT now() NOT NULL,
	"updated" timestamp with time zone DEFAULT now() NOT NULL,
	"finished" timestamp with time zone,
	CONSTRAINT "fixity_audits_status" CHECK ("fixity_audits"."status" in ('running', 'done', 'failed'))
);
--> statement-breakpoint
ALTER TABLE "media" ADD COLUMN "fixity_checked" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "media" ADD COLUMN "fixity_status" text;--> statement-breakpoint
ALTER TABLE "media" ADD CONSTRAINT "media_fixity_status" CHECK ("media"."fixity_status" in ('match', 'mismatch'));