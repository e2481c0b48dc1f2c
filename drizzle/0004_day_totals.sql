CREATE TABLE `provider_day_totals` (
	`service_date` text NOT NULL,
	`provider_npi` text NOT NULL,
	`claims` integer NOT NULL,
	`lines` integer NOT NULL,
	`net_fee_cents` integer NOT NULL,
	PRIMARY KEY(`service_date`, `provider_npi`)
);
--> statement-breakpoint
DROP INDEX `claims_service_date`;--> statement-breakpoint
-- Written by hand below this line (drizzle-kit expresses neither a backfill nor triggers); the design
-- is described in src/db/report-totals.ts. The day totals of the claims already accepted, then the
-- two triggers of 0002 that follow hand edits, again, with the day totals kept beside the others.
INSERT INTO `provider_day_totals` (`service_date`, `provider_npi`, `claims`, `lines`, `net_fee_cents`)
SELECT c.`service_date`, c.`provider_npi`, count(*), coalesce(sum(c.`line_count`), 0),
       coalesce(sum(iif(typeof(c.`net_fee_cents`) = 'integer', c.`net_fee_cents`, 0)), 0)
FROM `claims` c
WHERE NOT EXISTS (SELECT 1 FROM `outbox` o WHERE o.`claim_pk` = c.`id` AND o.`status` = 'staged')
GROUP BY 1, 2;
--> statement-breakpoint
DROP TRIGGER `report_totals_event_restaged`;
--> statement-breakpoint
CREATE TRIGGER `report_totals_event_restaged` AFTER UPDATE OF `status` ON `outbox`
WHEN old.`status` <> 'staged' AND new.`status` = 'staged'
BEGIN
  UPDATE `report_counts` SET
    `events_pending` = `events_pending` - (old.`status` = 'pending'),
    `events_published` = `events_published` - (old.`status` = 'published'),
    `events_failed` = `events_failed` - (old.`status` = 'failed');
  UPDATE `provider_totals` SET `claims` = `provider_totals`.`claims` - 1, `lines` = `provider_totals`.`lines` - c.`line_count`,
    `net_fee_cents` = `provider_totals`.`net_fee_cents` - iif(typeof(c.`net_fee_cents`) = 'integer', c.`net_fee_cents`, 0)
  FROM `claims` c WHERE c.`id` = old.`claim_pk` AND `provider_totals`.`provider_npi` = c.`provider_npi`;
  UPDATE `provider_month_totals` SET `claims` = `provider_month_totals`.`claims` - 1, `lines` = `provider_month_totals`.`lines` - c.`line_count`,
    `net_fee_cents` = `provider_month_totals`.`net_fee_cents` - iif(typeof(c.`net_fee_cents`) = 'integer', c.`net_fee_cents`, 0)
  FROM `claims` c WHERE c.`id` = old.`claim_pk` AND `provider_month_totals`.`provider_npi` = c.`provider_npi`
    AND `provider_month_totals`.`month` = substr(c.`service_date`, 1, 7);
  UPDATE `provider_day_totals` SET `claims` = `provider_day_totals`.`claims` - 1, `lines` = `provider_day_totals`.`lines` - c.`line_count`,
    `net_fee_cents` = `provider_day_totals`.`net_fee_cents` - iif(typeof(c.`net_fee_cents`) = 'integer', c.`net_fee_cents`, 0)
  FROM `claims` c WHERE c.`id` = old.`claim_pk` AND `provider_day_totals`.`provider_npi` = c.`provider_npi`
    AND `provider_day_totals`.`service_date` = c.`service_date`;
END;
--> statement-breakpoint
DROP TRIGGER `report_totals_claim_changed`;
--> statement-breakpoint
CREATE TRIGGER `report_totals_claim_changed`
AFTER UPDATE OF `provider_npi`, `service_date`, `line_count`, `net_fee_cents` ON `claims`
WHEN NOT EXISTS (SELECT 1 FROM `outbox` o WHERE o.`claim_pk` = new.`id` AND o.`status` = 'staged')
BEGIN
  UPDATE `provider_totals` SET `claims` = `claims` - 1, `lines` = `lines` - old.`line_count`,
    `net_fee_cents` = `net_fee_cents` - iif(typeof(old.`net_fee_cents`) = 'integer', old.`net_fee_cents`, 0)
  WHERE `provider_npi` = old.`provider_npi`;
  UPDATE `provider_month_totals` SET `claims` = `claims` - 1, `lines` = `lines` - old.`line_count`,
    `net_fee_cents` = `net_fee_cents` - iif(typeof(old.`net_fee_cents`) = 'integer', old.`net_fee_cents`, 0)
  WHERE `month` = substr(old.`service_date`, 1, 7) AND `provider_npi` = old.`provider_npi`;
  UPDATE `provider_day_totals` SET `claims` = `claims` - 1, `lines` = `lines` - old.`line_count`,
    `net_fee_cents` = `net_fee_cents` - iif(typeof(old.`net_fee_cents`) = 'integer', old.`net_fee_cents`, 0)
  WHERE `service_date` = old.`service_date` AND `provider_npi` = old.`provider_npi`;
  INSERT INTO `provider_totals` (`provider_npi`, `claims`, `lines`, `net_fee_cents`)
  VALUES (new.`provider_npi`, 1, new.`line_count`, iif(typeof(new.`net_fee_cents`) = 'integer', new.`net_fee_cents`, 0))
  ON CONFLICT DO UPDATE SET `claims` = `claims` + 1, `lines` = `lines` + excluded.`lines`,
    `net_fee_cents` = `net_fee_cents` + excluded.`net_fee_cents`;
  INSERT INTO `provider_month_totals` (`month`, `provider_npi`, `claims`, `lines`, `net_fee_cents`)
  VALUES (substr(new.`service_date`, 1, 7), new.`provider_npi`, 1, new.`line_count`,
    iif(typeof(new.`net_fee_cents`) = 'integer', new.`net_fee_cents`, 0))
  ON CONFLICT DO UPDATE SET `claims` = `claims` + 1, `lines` = `lines` + excluded.`lines`,
    `net_fee_cents` = `net_fee_cents` + excluded.`net_fee_cents`;
  INSERT INTO `provider_day_totals` (`service_date`, `provider_npi`, `claims`, `lines`, `net_fee_cents`)
  VALUES (new.`service_date`, new.`provider_npi`, 1, new.`line_count`,
    iif(typeof(new.`net_fee_cents`) = 'integer', new.`net_fee_cents`, 0))
  ON CONFLICT DO UPDATE SET `claims` = `claims` + 1, `lines` = `lines` + excluded.`lines`,
    `net_fee_cents` = `net_fee_cents` + excluded.`net_fee_cents`;
END;
