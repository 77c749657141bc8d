ALTER TABLE "tams_objects" ADD COLUMN "init" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "tams_segments" ADD COLUMN "init_object_id" text;--> statement-breakpoint
ALTER TABLE "tams_segments" ADD CONSTRAINT "tams_segments_init_object_id_tams_objects_id_fk" FOREIGN KEY ("init_object_id") REFERENCES "public"."tams_objects"("id") ON DELETE restrict ON UPDATE cascade;--> statement-breakpoint
CREATE INDEX "tams_segments_init_object_idx" ON "tams_segments" USING btree ("init_object_id","flow_id") WHERE "tams_segments"."init_object_id" is not null;