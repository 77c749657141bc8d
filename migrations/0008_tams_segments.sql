CREATE TABLE "tams_objects" (
	"id" text PRIMARY KEY NOT NULL,
	"first_flow_id" uuid NOT NULL,
	"timerange" text NOT NULL,
	"key_frame_count" integer,
	"uncontrolled_urls" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"created" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tams_segments" (
	"flow_id" uuid NOT NULL,
	"range" "int8range" NOT NULL,
	"timerange" text NOT NULL,
	"object_id" text NOT NULL,
	"ts_offset" bigint,
	"last_duration" bigint,
	"sample_offset" bigint,
	"sample_count" bigint,
	"created" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "tams_objects" ADD CONSTRAINT "tams_objects_id_media_pid_fk" FOREIGN KEY ("id") REFERENCES "public"."media"("pid") ON DELETE restrict ON UPDATE cascade;--> statement-breakpoint
ALTER TABLE "tams_segments" ADD CONSTRAINT "tams_segments_flow_id_tams_flows_id_fk" FOREIGN KEY ("flow_id") REFERENCES "public"."tams_flows"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tams_segments" ADD CONSTRAINT "tams_segments_object_id_tams_objects_id_fk" FOREIGN KEY ("object_id") REFERENCES "public"."tams_objects"("id") ON DELETE restrict ON UPDATE cascade;--> statement-breakpoint
CREATE INDEX "tams_segments_object_idx" ON "tams_segments" USING btree ("object_id","flow_id");