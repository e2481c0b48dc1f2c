CREATE TABLE `claim_lines` (
	`claim_pk` integer NOT NULL,
	`line_index` integer NOT NULL,
	`source_row` integer NOT NULL,
	`line_number` text,
	`service_date` text NOT NULL,
	`submitted_procedure` text NOT NULL,
	`quadrant` text,
	`provider_fees_cents` integer NOT NULL,
	`allowed_fees_cents` integer NOT NULL,
	`member_coinsurance_cents` integer NOT NULL,
	`member_copay_cents` integer NOT NULL,
	`net_fee_cents` integer NOT NULL,
	PRIMARY KEY(`claim_pk`, `line_index`),
	FOREIGN KEY (`claim_pk`) REFERENCES `claims`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `claim_lines_procedure` ON `claim_lines` (`submitted_procedure`);--> statement-breakpoint
CREATE INDEX `claim_lines_service_date` ON `claim_lines` (`service_date`);--> statement-breakpoint
CREATE TABLE `claims` (
	`id` integer PRIMARY KEY NOT NULL,
	`claim_id` text NOT NULL,
	`run_id` integer NOT NULL,
	`claim_number` text,
	`service_date` text NOT NULL,
	`plan_group_number` text NOT NULL,
	`subscriber_number` text NOT NULL,
	`provider_npi` text NOT NULL,
	`line_count` integer NOT NULL,
	`net_fee_cents` integer NOT NULL,
	FOREIGN KEY (`run_id`) REFERENCES `runs`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `claims_claim_id_unique` ON `claims` (`claim_id`);--> statement-breakpoint
CREATE INDEX `claims_provider_date` ON `claims` (`provider_npi`,`service_date`);--> statement-breakpoint
CREATE INDEX `claims_service_date` ON `claims` (`service_date`);--> statement-breakpoint
CREATE INDEX `claims_claim_number` ON `claims` (`claim_number`);--> statement-breakpoint
CREATE TABLE `outbox` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`claim_pk` integer NOT NULL,
	`run_id` integer NOT NULL,
	`status` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`last_error` text,
	`stream_seq` integer,
	`published_at` text,
	FOREIGN KEY (`claim_pk`) REFERENCES `claims`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`run_id`) REFERENCES `runs`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `outbox_claim_pk_unique` ON `outbox` (`claim_pk`);--> statement-breakpoint
CREATE INDEX `outbox_status` ON `outbox` (`status`,`seq`);--> statement-breakpoint
CREATE INDEX `outbox_run` ON `outbox` (`run_id`,`status`);--> statement-breakpoint
CREATE TABLE `rejections` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`fingerprint` text NOT NULL,
	`run_id` integer NOT NULL,
	`source` text NOT NULL,
	`row` integer NOT NULL,
	`values` text NOT NULL,
	`errors` text NOT NULL,
	FOREIGN KEY (`run_id`) REFERENCES `runs`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `rejections_fingerprint_unique` ON `rejections` (`fingerprint`);--> statement-breakpoint
CREATE INDEX `rejections_run` ON `rejections` (`run_id`,`row`);--> statement-breakpoint
CREATE TABLE `runs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`source` text NOT NULL,
	`input_format` text NOT NULL,
	`status` text NOT NULL,
	`host` text NOT NULL,
	`pid` integer NOT NULL,
	`started_at` text NOT NULL,
	`finished_at` text,
	`rows_read` integer DEFAULT 0 NOT NULL,
	`rows_rejected` integer DEFAULT 0 NOT NULL,
	`claims_stored` integer DEFAULT 0 NOT NULL,
	`claims_duplicate` integer DEFAULT 0 NOT NULL,
	`claims_rejected` integer DEFAULT 0 NOT NULL,
	`lines_stored` integer DEFAULT 0 NOT NULL,
	`net_fee_cents` integer DEFAULT 0 NOT NULL,
	`error` text
);
