CREATE TABLE "tams_object_instances" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"object_id" text,
	"store_config_id" bigint NOT NULL,
	"store_key" text NOT NULL,
	"ready" boolean DEFAULT false NOT NULL,
	"created" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"created_by" text NOT NULL
);
--> statement-breakpoint
ALTER TABLE "tams_object_instances" ADD CONSTRAINT "tams_object_instances_object_id_tams_objects_id_fk" FOREIGN KEY ("object_id") REFERENCES "public"."tams_objects"("id") ON DELETE set null ON UPDATE cascade;--> statement-breakpoint
ALTER TABLE "tams_object_instances" ADD CONSTRAINT "tams_object_instances_store_config_id_store_configs_id_fk" FOREIGN KEY ("store_config_id") REFERENCES "public"."store_configs"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "tams_object_instances_per_backend" ON "tams_object_instances" USING btree ("object_id","store_config_id");--> statement-breakpoint
CREATE INDEX "tams_object_instances_orphans_idx" ON "tams_object_instances" USING btree ("id") WHERE "tams_object_instances"."object_id" is null;--> statement-breakpoint
CREATE INDEX "tams_object_instances_unfinished_idx" ON "tams_object_instances" USING btree ("created") WHERE not "tams_object_instances"."ready";