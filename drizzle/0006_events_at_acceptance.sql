CREATE INDEX `claims_run` ON `claims` (`run_id`);--> statement-breakpoint
-- Written by hand below this line (drizzle-kit expresses no triggers). A run's claims get their
-- outbox entries when it is accepted (src/db/ingest-store.ts), where they used to get staged ones
-- with each batch: an accepted claim is one with an event that is not staged, which holds for the
-- entries already written too. The trigger that follows a claim changed by hand says so.
DROP TRIGGER `report_totals_claim_changed`;
--> statement-breakpoint
CREATE TRIGGER `report_totals_claim_changed`
AFTER UPDATE OF `provider_npi`, `service_date`, `line_count`, `net_fee_cents` ON `claims`
WHEN EXISTS (SELECT 1 FROM `outbox` o WHERE o.`claim_pk` = new.`id` AND o.`status` <> 'staged')
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
