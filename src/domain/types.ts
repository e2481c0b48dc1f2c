import type { EventFieldName, Field, LineFieldName, LineValue, OutputFieldName } from './fields.js';

/** Result of parsing one value: pure functions never throw for bad input. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

export type Severity = 'error' | 'warn';
export type RuleSetting = Severity | 'off';

/** One finding of a rule on one row (or one claim). */
export interface Issue {
  rule: string;
  field: Field | null;
  value: string;
  message: string;
  severity: Severity;
}

/** A validated claim line: every value normalised, money in integer cents (fields: fields.ts). */
export type ClaimLine = { [K in LineFieldName]: LineValue<K> };

/** What a `claims list --lines` row shows of a line, besides its place (claim_id, line_index, source_row). */
export type OutputLine = Pick<ClaimLine, OutputFieldName>;

/** What the payment event carries of a line, besides its line_index. */
export type EventLine = Pick<ClaimLine, EventFieldName>;

/** A claim ready to store: its lines in input order, an id derived from its content. */
export interface Claim {
  claim_id: string;
  fingerprint: string;
  claim_number: string | null;
  service_date: string; // earliest line date
  plan_group_number: string;
  subscriber_number: string;
  provider_npi: string;
  net_fee_cents: number;
  lines: ClaimLine[];
}
