CREATE TABLE "event_consumers" (
	"name" text PRIMARY KEY NOT NULL,
	"position" bigint DEFAULT 0 NOT NULL,
	"lease_owner" text,
	"lease_until" timestamp with time zone,
	"heartbeat" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "event_outbox" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"id" bigint,
	"type" text NOT NULL,
	"subject" text NOT NULL,
	"actor" text,
	"payload" jsonb NOT NULL,
	"created" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "event_outbox_id_key" UNIQUE("id")
);
--> statement-breakpoint
CREATE TABLE "event_sequencer" (
	"singleton" boolean PRIMARY KEY DEFAULT true NOT NULL,
	"last_id" bigint NOT NULL,
	CONSTRAINT "event_sequencer_singleton" CHECK ("event_sequencer"."singleton")
);
--> statement-breakpoint
CREATE INDEX "event_outbox_unsequenced_idx" ON "event_outbox" USING btree ("seq") WHERE "event_outbox"."id" is null;--> statement-breakpoint
CREATE INDEX "event_outbox_type_id_idx" ON "event_outbox" USING btree ("type","id");