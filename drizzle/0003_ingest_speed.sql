DROP INDEX `claim_lines_procedure`;--> statement-breakpoint
DROP INDEX `claim_lines_service_date`;