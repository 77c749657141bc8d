CREATE TABLE "identifier_types" (
	"name" text PRIMARY KEY NOT NULL,
	"pattern" text DEFAULT '' NOT NULL,
	"created" timestamp with time zone DEFAULT now() NOT NULL,
	"updated" timestamp with time zone DEFAULT now() NOT NULL,
	"created_by" text NOT NULL,
	"updated_by" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "s3_configs" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"url" text NOT NULL,
	"access_key_sealed" text NOT NULL,
	"secret_key_sealed" text NOT NULL,
	"created" timestamp with time zone DEFAULT now() NOT NULL,
	"updated" timestamp with time zone DEFAULT now() NOT NULL,
	"created_by" text NOT NULL,
	"updated_by" text NOT NULL,
	CONSTRAINT "s3_configs_url_unique" UNIQUE("url")
);
--> statement-breakpoint
CREATE TABLE "store_configs" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"type" text NOT NULL,
	"bucket" text NOT NULL,
	"location" text NOT NULL,
	"s3_config_id" bigint,
	"created" timestamp with time zone DEFAULT now() NOT NULL,
	"created_by" text NOT NULL,
	CONSTRAINT "store_configs_identity" UNIQUE NULLS NOT DISTINCT("type","location","s3_config_id"),
	CONSTRAINT "store_configs_type" CHECK ("store_configs"."type" in ('BucketStore', 'FilesystemStore', 'DictStore')),
	CONSTRAINT "store_configs_s3_only_for_buckets" CHECK (("store_configs"."type" = 'BucketStore') = ("store_configs"."s3_config_id" is not null))
);
--> statement-breakpoint
CREATE TABLE "media" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"pid" text NOT NULL,
	"pid_type" text NOT NULL,
	"store_config_id" bigint NOT NULL,
	"store_key" text NOT NULL,
	"store_status" text DEFAULT 'PENDING' NOT NULL,
	"identifiers" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"tags" text[] DEFAULT '{}'::text[] NOT NULL,
	"size" bigint,
	"sha256" text,
	"md5" text,
	"content_type" text,
	"stored" timestamp with time zone,
	"created" timestamp with time zone DEFAULT now() NOT NULL,
	"updated" timestamp with time zone DEFAULT now() NOT NULL,
	"created_by" text NOT NULL,
	"updated_by" text NOT NULL,
	"delete_requested" timestamp with time zone,
	"delete_requested_by" text,
	"delete_reason" text,
	"delete_attempts" integer DEFAULT 0 NOT NULL,
	"delete_error" text,
	CONSTRAINT "media_pid_key" UNIQUE("pid"),
	CONSTRAINT "media_store_key_per_store" UNIQUE("store_config_id","store_key"),
	CONSTRAINT "media_store_status" CHECK ("media"."store_status" in ('PENDING', 'READY')),
	CONSTRAINT "media_ready_has_bytes" CHECK ("media"."store_status" = 'PENDING' or ("media"."size" is not null and "media"."sha256" is not null and "media"."md5" is not null))
);
--> statement-breakpoint
CREATE TABLE "config_history" (
	"history_id" bigserial PRIMARY KEY NOT NULL,
	"resource" text NOT NULL,
	"resource_id" text NOT NULL,
	"history_type" text NOT NULL,
	"history_date" timestamp with time zone DEFAULT now() NOT NULL,
	"history_user" text,
	"reason" text,
	"snapshot" jsonb NOT NULL,
	CONSTRAINT "config_history_type" CHECK ("config_history"."history_type" in ('+', '~', '-')),
	CONSTRAINT "config_history_resource" CHECK ("config_history"."resource" in ('identifier_type', 'store_config', 's3_config'))
);
--> statement-breakpoint
CREATE TABLE "media_history" (
	"history_id" bigserial PRIMARY KEY NOT NULL,
	"media_id" bigint NOT NULL,
	"pid" text NOT NULL,
	"history_type" text NOT NULL,
	"history_date" timestamp with time zone DEFAULT now() NOT NULL,
	"history_user" text,
	"reason" text,
	"snapshot" jsonb NOT NULL,
	CONSTRAINT "media_history_type" CHECK ("media_history"."history_type" in ('+', '~', '-'))
);
--> statement-breakpoint
ALTER TABLE "store_configs" ADD CONSTRAINT "store_configs_s3_config_id_s3_configs_id_fk" FOREIGN KEY ("s3_config_id") REFERENCES "public"."s3_configs"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "media" ADD CONSTRAINT "media_pid_type_identifier_types_name_fk" FOREIGN KEY ("pid_type") REFERENCES "public"."identifier_types"("name") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "media" ADD CONSTRAINT "media_store_config_id_store_configs_id_fk" FOREIGN KEY ("store_config_id") REFERENCES "public"."store_configs"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "media_tags_idx" ON "media" USING gin ("tags");--> statement-breakpoint
CREATE INDEX "media_identifiers_idx" ON "media" USING gin ("identifiers");--> statement-breakpoint
CREATE INDEX "media_metadata_idx" ON "media" USING gin ("metadata");--> statement-breakpoint
CREATE INDEX "media_metadata_path_idx" ON "media" USING gin ("metadata" jsonb_path_ops);--> statement-breakpoint
CREATE INDEX "media_pid_prefix_idx" ON "media" USING btree ("pid" text_pattern_ops);--> statement-breakpoint
CREATE INDEX "media_pid_trgm_idx" ON "media" USING gin ("pid" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "media_pid_type_idx" ON "media" USING btree ("pid_type","id");--> statement-breakpoint
CREATE INDEX "media_store_status_idx" ON "media" USING btree ("store_status","id");--> statement-breakpoint
CREATE INDEX "media_delete_requested_idx" ON "media" USING btree ("delete_requested") WHERE "media"."delete_requested" is not null;--> statement-breakpoint
CREATE INDEX "config_history_resource_idx" ON "config_history" USING btree ("resource","resource_id","history_id");--> statement-breakpoint
CREATE INDEX "media_history_pid_idx" ON "media_history" USING btree ("pid");--> statement-breakpoint
CREATE INDEX "media_history_media_idx" ON "media_history" USING btree ("media_id","history_id");