CREATE TABLE "tams_webhook_deliveries" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"webhook_id" uuid NOT NULL,
	"event_id" bigint NOT NULL,
	"ordering_key" text NOT NULL,
	"event_type" text NOT NULL,
	"event_time" timestamp with time zone NOT NULL,
	"event" jsonb NOT NULL,
	"head" boolean NOT NULL,
	"due" timestamp with time zone DEFAULT now() NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"lease_owner" text,
	"lease_until" timestamp with time zone,
	CONSTRAINT "tams_webhook_deliveries_event_once" UNIQUE("webhook_id","event_id")
);
--> statement-breakpoint
CREATE TABLE "tams_webhooks" (
	"id" uuid PRIMARY KEY NOT NULL,
	"owner_kind" text NOT NULL,
	"owner" text NOT NULL,
	"url" text NOT NULL,
	"api_key_name" text,
	"api_key_value_sealed" text,
	"events" jsonb NOT NULL,
	"filters" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"segment_options" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"tags" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"status" text NOT NULL,
	"error" jsonb,
	"events_after" bigint DEFAULT 0 NOT NULL,
	"created" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "tams_webhooks_status" CHECK ("tams_webhooks"."status" in ('created', 'started', 'disabled', 'error'))
);
--> statement-breakpoint
ALTER TABLE "tams_webhook_deliveries" ADD CONSTRAINT "tams_webhook_deliveries_webhook_id_tams_webhooks_id_fk" FOREIGN KEY ("webhook_id") REFERENCES "public"."tams_webhooks"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "tams_webhook_deliveries_queue_idx" ON "tams_webhook_deliveries" USING btree ("webhook_id","ordering_key","id");--> statement-breakpoint
CREATE INDEX "tams_webhook_deliveries_heads_idx" ON "tams_webhook_deliveries" USING btree ("id") WHERE "tams_webhook_deliveries"."head";--> statement-breakpoint
CREATE INDEX "tams_webhooks_url_idx" ON "tams_webhooks" USING btree ("url","id");--> statement-breakpoint
CREATE INDEX "tams_webhooks_owner_idx" ON "tams_webhooks" USING btree ("owner_kind","owner","url","id");--> statement-breakpoint
CREATE INDEX "tams_webhooks_tags_idx" ON "tams_webhooks" USING gin ("tags");