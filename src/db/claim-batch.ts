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
  // Filled by push, not sized up front: an array with holes (new Array(n)) is cloned as a sparse
  // one, index by index as properties, which costs the parsing thread 3x and the writer 1.6x.
  const values: unknown[] = [];
  for (const { claim, rows } of toStore) {
    const { lines } = claim;
    values.push(
      claim.claim_id,
      claim.claim_number,
      claim.service_date,
      claim.plan_group_number,
      claim.subscriber_number,
      claim.provider_npi,
      lines.length,
      claim.net_fee_cents,
    );
    for (let index = 0; index < lines.length; index++) {
      const line = lines[index]!;
      values.push(rows[index]);
      for (const field of LINE_STORED_FIELDS) values.push(line[field]);
    }
  }
  return values;
}
