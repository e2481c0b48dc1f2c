CREATE TABLE `provider_claims` (
	`provider_npi` text NOT NULL,
	`service_date` text NOT NULL,
	`claim_pk` integer NOT NULL,
	PRIMARY KEY(`provider_npi`, `service_date`, `claim_pk`)
);
--> statement-breakpoint
DROP INDEX `claims_provider_date`;--> statement-breakpoint
-- Written by hand below this line (drizzle-kit expresses neither a backfill nor triggers): the
-- accepted claims already stored, in key order, and the triggers that follow a claim's provider or
-- date changed by hand and a claim deleted (a discarded run's, which an accepted run may have held
-- before a hand edit set its events back to staged). src/db/schema.ts says why the table is filled
-- at acceptance.
INSERT INTO `provider_claims` (`provider_npi`, `service_date`, `claim_pk`)
SELECT c.`provider_npi`, c.`service_date`, c.`id`
FROM `claims` c
WHERE NOT EXISTS (SELECT 1 FROM `outbox` o WHERE o.`claim_pk` = c.`id` AND o.`status` = 'staged')
ORDER BY 1, 2, 3;
--> statement-breakpoint
CREATE TRIGGER `provider_claims_claim_changed` AFTER UPDATE OF `provider_npi`, `service_date` ON `claims`
BEGIN
  UPDATE `provider_claims` SET `provider_npi` = new.`provider_npi`, `service_date` = new.`service_date`
  WHERE `provider_npi` = old.`provider_npi` AND `service_date` = old.`service_date` AND `claim_pk` = old.`id`;
END;
--> statement-breakpoint
CREATE TRIGGER `provider_claims_claim_deleted` AFTER DELETE ON `claims`
BEGIN
  DELETE FROM `provider_claims`
  WHERE `provider_npi` = old.`provider_npi` AND `service_date` = old.`service_date` AND `claim_pk` = old.`id`;
END;
