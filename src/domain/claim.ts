import { createHash } from 'node:crypto';
import { claimNetFeeCents } from './netfee.js';
import type { Claim, ClaimLine, Issue } from './types.js';

// Fields every line of one claim must agree on (the claim's header).
const SHARED_FIELDS = ['provider_npi', 'subscriber_number', 'plan_group_number'] as const;

// Every ClaimLine field, in a fixed order, so the fingerprint does not depend on object key order.
const LINE_FIELDS = [
  'service_date',
  'submitted_procedure',
  'quadrant',
  'plan_group_number',
  'subscriber_number',
  'provider_npi',
  'provider_fees_cents',
  'allowed_fees_cents',
  'member_coinsurance_cents',
  'member_copay_cents',
  'net_fee_cents',
  'claim_number',
  'line_number',
] as const satisfies readonly (keyof ClaimLine)[];

/** Rule `claim_consistent`: one issue per shared field on which a line differs from the first line. */
export function claimIssues(lines: readonly ClaimLine[]): Issue[] {
  const [first, ...rest] = lines;
  if (!first) return [];
  return SHARED_FIELDS.flatMap((field): Issue[] => {
    const other = rest.find((line) => line[field] !== first[field]);
    if (!other) return [];
    return [
      {
        rule: 'claim_consistent',
        field,
        value: other[field],
        message: `differs within the claim ("${first[field]}" and "${other[field]}")`,
        severity: 'error',
      },
    ];
  });
}

/** Builds a claim from its validated lines (at least one), with an id derived from its content. */
export function buildClaim(lines: ClaimLine[]): Claim {
  const [first] = lines;
  if (!first) throw new Error('a claim needs at least one line');
  const header = {
    claim_number: first.claim_number,
    service_date: lines.reduce((earliest, line) => (line.service_date < earliest ? line.service_date : earliest), first.service_date),
    plan_group_number: first.plan_group_number,
    subscriber_number: first.subscriber_number,
    provider_npi: first.provider_npi,
  };
  const canonical = JSON.stringify({
    key: [header.claim_number, header.service_date, header.subscriber_number, header.plan_group_number, header.provider_npi],
    lines: lines.map((line) => LINE_FIELDS.map((field) => line[field])),
  });
  const fingerprint = createHash('sha256').update(canonical).digest('hex');
  return {
    claim_id: `clm_${fingerprint.slice(0, 24)}`,
    fingerprint,
    ...header,
    net_fee_cents: claimNetFeeCents(lines),
    lines,
  };
}
