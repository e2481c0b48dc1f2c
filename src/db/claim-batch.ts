import { LINE_STORED_FIELDS } from '../domain/fields.js';
import type { ClaimToStore } from '../ingest/ports.js';

/**
 * A batch's claims as one flat array of what is stored of them, claim after claim: what crosses to
 * the writer thread (the structured clone of one array of strings and numbers costs a fraction of
 * that of an object per claim and per line). Per claim: the values of CLAIM_COLUMNS, then per line
 * its input row and its LINE_STORED_FIELDS values.
 */
export type EncodedClaims = unknown[];

/** A claim's stored columns as encoded, in this order; line_count tells how many lines follow. */
export const CLAIM_COLUMNS = [
  'claim_id',
  'claim_number',
  'service_date',
  'plan_group_number',
  'subscriber_number',
  'provider_npi',
  'line_count',
  'net_fee_cents',
] as const;
export const LINE_COUNT_AT = CLAIM_COLUMNS.indexOf('line_count');
export const NET_FEE_AT = CLAIM_COLUMNS.indexOf('net_fee_cents');
/** Values per encoded line: its input row, then its stored fields. */
export const LINE_WIDTH = 1 + LINE_STORED_FIELDS.length;

export function encodeClaims(toStore: readonly ClaimToStore[]): EncodedClaims {
  // Sized up front and filled by index: this runs for every batch, on the thread that parses.
  let size = 0;
  for (const { claim } of toStore) size += CLAIM_COLUMNS.length + claim.lines.length * LINE_WIDTH;
  const values: unknown[] = new Array(size);
  let at = 0;
  for (const { claim, rows } of toStore) {
    const { lines } = claim;
    values[at++] = claim.claim_id;
    values[at++] = claim.claim_number;
    values[at++] = claim.service_date;
    values[at++] = claim.plan_group_number;
    values[at++] = claim.subscriber_number;
    values[at++] = claim.provider_npi;
    values[at++] = lines.length;
    values[at++] = claim.net_fee_cents;
    for (let index = 0; index < lines.length; index++) {
      const line = lines[index]!;
      values[at++] = rows[index];
      for (const field of LINE_STORED_FIELDS) values[at++] = line[field];
    }
  }
  return values;
}
