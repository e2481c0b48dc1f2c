ALTER TABLE `outbox` ADD `lease_owner` text;--> statement-breakpoint
ALTER TABLE `outbox` ADD `lease_expires_at` text;--> statement-breakpoint
ALTER TABLE `runs` ADD `pid_start_time` text;--> statement-breakpoint
ALTER TABLE `runs` ADD `owner` text;--> statement-breakpoint
ALTER TABLE `runs` ADD `lease_expires_at` integer;