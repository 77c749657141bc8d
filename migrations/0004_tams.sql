CREATE TABLE "tams_service" (
	"singleton" boolean PRIMARY KEY DEFAULT true NOT NULL,
	"name" text,
	"description" text,
	"updated" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_by" text NOT NULL,
	CONSTRAINT "tams_service_singleton" CHECK ("tams_service"."singleton")
);
--> statement-breakpoint
CREATE TABLE "tams_profiles" (
	"id" uuid PRIMARY KEY NOT NULL,
	"label" text,
	"description" text,
	"tags" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"flow_metadata" jsonb NOT NULL,
	"created" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"created_by" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tams_sources" (
	"id" uuid PRIMARY KEY NOT NULL,
	"format" text NOT NULL,
	"label" text,
	"description" text,
	"tags" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"created_by" text NOT NULL,
	"updated" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_by" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tams_flow_collections" (
	"collector_id" uuid NOT NULL,
	"position" integer NOT NULL,
	"member_id" uuid NOT NULL,
	"role" text,
	"container_mapping" jsonb,
	CONSTRAINT "tams_flow_collections_collector_id_position_pk" PRIMARY KEY("collector_id","position"),
	CONSTRAINT "tams_flow_collections_member_once" UNIQUE("collector_id","member_id")
);
--> statement-breakpoint
CREATE TABLE "tams_flows" (
	"id" uuid PRIMARY KEY NOT NULL,
	"source_id" uuid NOT NULL,
	"format" text NOT NULL,
	"codec" text,
	"container" text,
	"label" text,
	"description" text,
	"tags" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"profile_id" uuid,
	"status" text,
	"read_only" boolean DEFAULT false NOT NULL,
	"generation" bigint,
	"max_bit_rate" bigint,
	"avg_bit_rate" bigint,
	"segment_duration" jsonb,
	"container_mapping" jsonb,
	"essence_parameters" jsonb,
	"metadata_version" text NOT NULL,
	"created" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"created_by" text NOT NULL,
	"updated_by" text NOT NULL,
	"metadata_updated" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"segments_updated" timestamp (3) with time zone
);
--> statement-breakpoint
ALTER TABLE "tams_flow_collections" ADD CONSTRAINT "tams_flow_collections_collector_id_tams_flows_id_fk" FOREIGN KEY ("collector_id") REFERENCES "public"."tams_flows"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tams_flow_collections" ADD CONSTRAINT "tams_flow_collections_member_id_tams_flows_id_fk" FOREIGN KEY ("member_id") REFERENCES "public"."tams_flows"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tams_flows" ADD CONSTRAINT "tams_flows_source_id_tams_sources_id_fk" FOREIGN KEY ("source_id") REFERENCES "public"."tams_sources"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tams_flows" ADD CONSTRAINT "tams_flows_profile_id_tams_profiles_id_fk" FOREIGN KEY ("profile_id") REFERENCES "public"."tams_profiles"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "tams_sources_created_idx" ON "tams_sources" USING btree ("created","id");--> statement-breakpoint
CREATE INDEX "tams_sources_updated_idx" ON "tams_sources" USING btree ("updated","id");--> statement-breakpoint
CREATE INDEX "tams_sources_tags_idx" ON "tams_sources" USING gin ("tags");--> statement-breakpoint
CREATE INDEX "tams_flow_collections_member_idx" ON "tams_flow_collections" USING btree ("member_id");--> statement-breakpoint
CREATE INDEX "tams_flows_source_idx" ON "tams_flows" USING btree ("source_id");--> statement-breakpoint
CREATE INDEX "tams_flows_created_idx" ON "tams_flows" USING btree ("created","id");--> statement-breakpoint
CREATE INDEX "tams_flows_metadata_updated_idx" ON "tams_flows" USING btree ("metadata_updated","id");--> statement-breakpoint
CREATE INDEX "tams_flows_profile_idx" ON "tams_flows" USING btree ("profile_id");--> statement-breakpoint
CREATE INDEX "tams_flows_tags_idx" ON "tams_flows" USING gin ("tags");