CREATE TABLE "claim_lines" (
	"claim_pk" bigint NOT NULL,
	"line_index" integer NOT NULL,
	"source_row" integer NOT NULL,
	"line_number" text,
	"service_date" text NOT NULL,
	"submitted_procedure" text NOT NULL,
	"quadrant" text,
	"provider_fees_cents" bigint NOT NULL,
	"allowed_fees_cents" bigint NOT NULL,
	"member_coinsurance_cents" bigint NOT NULL,
	"member_copay_cents" bigint NOT NULL,
	"net_fee_cents" bigint NOT NULL,
	CONSTRAINT "claim_lines_claim_pk_line_index_pk" PRIMARY KEY("claim_pk","line_index")
);
--> statement-breakpoint
CREATE TABLE "claims" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"claim_id" text NOT NULL,
	"run_id" integer NOT NULL,
	"claim_number" text,
	"service_date" text NOT NULL,
	"plan_group_number" text NOT NULL,
	"subscriber_number" text NOT NULL,
	"provider_npi" text NOT NULL,
	"line_count" integer NOT NULL,
	"net_fee_cents" bigint NOT NULL,
	CONSTRAINT "claims_claim_id_unique" UNIQUE("claim_id")
);
--> statement-breakpoint
CREATE TABLE "outbox" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"claim_pk" bigint NOT NULL,
	"run_id" integer NOT NULL,
	"status" text NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"stream_seq" bigint,
	"published_at" text,
	"lease_owner" text,
	"lease_expires_at" text,
	CONSTRAINT "outbox_claim_pk_unique" UNIQUE("claim_pk")
);
--> statement-breakpoint
CREATE TABLE "rejections" (
	"id" serial PRIMARY KEY NOT NULL,
	"fingerprint" text NOT NULL,
	"run_id" integer NOT NULL,
	"source" text NOT NULL,
	"row" integer NOT NULL,
	"values" json NOT NULL,
	"errors" json NOT NULL,
	CONSTRAINT "rejections_fingerprint_unique" UNIQUE("fingerprint")
);
--> statement-breakpoint
CREATE TABLE "runs" (
	"id" serial PRIMARY KEY NOT NULL,
	"source" text NOT NULL,
	"input_format" text NOT NULL,
	"status" text NOT NULL,
	"host" text NOT NULL,
	"pid" integer NOT NULL,
	"pid_start_time" text,
	"owner" text,
	"lease_expires_at" bigint,
	"started_at" text NOT NULL,
	"finished_at" text,
	"rows_read" integer DEFAULT 0 NOT NULL,
	"rows_rejected" integer DEFAULT 0 NOT NULL,
	"claims_stored" integer DEFAULT 0 NOT NULL,
	"claims_duplicate" integer DEFAULT 0 NOT NULL,
	"claims_rejected" integer DEFAULT 0 NOT NULL,
	"lines_stored" integer DEFAULT 0 NOT NULL,
	"net_fee_cents" bigint DEFAULT 0 NOT NULL,
	"error" text
);
--> statement-breakpoint
ALTER TABLE "claim_lines" ADD CONSTRAINT "claim_lines_claim_pk_claims_id_fk" FOREIGN KEY ("claim_pk") REFERENCES "public"."claims"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "claims" ADD CONSTRAINT "claims_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "outbox" ADD CONSTRAINT "outbox_claim_pk_claims_id_fk" FOREIGN KEY ("claim_pk") REFERENCES "public"."claims"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "outbox" ADD CONSTRAINT "outbox_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rejections" ADD CONSTRAINT "rejections_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "claim_lines_procedure" ON "claim_lines" USING btree ("submitted_procedure");--> statement-breakpoint
CREATE INDEX "claim_lines_service_date" ON "claim_lines" USING btree ("service_date");--> statement-breakpoint
CREATE INDEX "claims_provider_date" ON "claims" USING btree ("provider_npi","service_date");--> statement-breakpoint
CREATE INDEX "claims_service_date" ON "claims" USING btree ("service_date");--> statement-breakpoint
CREATE INDEX "claims_claim_number" ON "claims" USING btree ("claim_number");--> statement-breakpoint
CREATE INDEX "outbox_status" ON "outbox" USING btree ("status","seq");--> statement-breakpoint
CREATE INDEX "outbox_run" ON "outbox" USING btree ("run_id","status");--> statement-breakpoint
CREATE INDEX "rejections_run" ON "rejections" USING btree ("run_id","row");