import * as crypto from 'node:crypto';
import { FINGERPRINT_FIELD_COUNT, LINE_FIELD_NAMES } from './fields.js';
import { MAX_CLAIM_NET_FEE_CENTS } from './limits.js';
import { formatCents } from './money.js';
import { claimNetFeeCents } from './netfee.js';
import type { Claim, ClaimLine, Issue } from './types.js';

// Fields every line of one claim must agree on (the claim's header).
const SHARED_FIELDS = ['provider_npi', 'subscriber_number', 'plan_group_number'] as const;

/**
 * Rules on a whole claim. `claim_consistent`: one issue per shared field on which a line differs from
 * the first line. `money_range`: the claim's net fee stays within bounds, summed exactly.
 */
export function claimIssues(lines: readonly ClaimLine[]): Issue[] {
  const first = lines[0];
  if (!first) return [];
  const issues: Issue[] = [];
  const netFee = exactSum(lines);
  if (netFee > MAX_CLAIM_NET_FEE_CENTS || netFee < -MAX_CLAIM_NET_FEE_CENTS) {
    issues.push({
      rule: 'money_range',
      field: null,
      value: formatCents(netFee),
      message: `claim net fee ${formatCents(netFee)} is beyond ±${formatCents(MAX_CLAIM_NET_FEE_CENTS)}`,
      severity: 'error',
    });
  }
  for (const field of SHARED_FIELDS) {
    const other = lines.find((line) => line[field] !== first[field]);
    if (other) {
      issues.push({
        rule: 'claim_consistent',
        field,
        value: other[field],
        message: `differs within the claim ("${first[field]}" and "${other[field]}")`,
        severity: 'error',
      });
    }
  }
  return issues;
}

/**
 * The lines' net fees summed exactly: as a number while every partial sum is a safe integer (any
 * real claim), as a bigint past that.
 */
function exactSum(lines: readonly ClaimLine[]): number | bigint {
  let sum = 0;
  for (const line of lines) {
    sum += line.net_fee_cents;
    if (!Number.isSafeInteger(sum)) return lines.reduce((total, l) => total + BigInt(l.net_fee_cents), 0n);
  }
  return sum;
}

const ORIGINAL_FIELDS = LINE_FIELD_NAMES.slice(0, FINGERPRINT_FIELD_COUNT);
const ADDED_FIELDS = LINE_FIELD_NAMES.slice(FINGERPRINT_FIELD_COUNT);

/**
 * SHA-256 in hex. Node's one-shot crypto.hash (20.12 and later) costs a fraction of a Hash object
 * per claim; older Node 20 releases build the object.
 */
const sha256Hex: (text: string) => string =
  typeof crypto.hash === 'function'
    ? (text) => crypto.hash('sha256', text, 'hex')
    : (text) => crypto.createHash('sha256').update(text).digest('hex');

/** A line's values in the table's order, so the fingerprint does not depend on object key order. */
function lineFingerprint(line: ClaimLine): unknown[] {
  // Loops rather than map and filter: this runs for every line, and their callbacks were most of its cost.
  // Pushed, not sized up front: JSON.stringify takes an array with holes (new Array(n)) element by element.
  const values: unknown[] = [];
  for (let i = 0; i < ORIGINAL_FIELDS.length; i++) values.push(line[ORIGINAL_FIELDS[i]!]);
  // By name, so two added fields never stand for each other.
  let added: Record<string, unknown> | null = null;
  for (const field of ADDED_FIELDS) {
    const value = line[field] ?? null;
    if (value !== null) (added ??= {})[field] = value;
  }
  if (added !== null) values.push(added);
  return values;
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
    lines: lines.map(lineFingerprint),
  });
  const fingerprint = sha256Hex(canonical);
  // Spelled out rather than spread: this runs for every claim, and a spread literal is slow.
  return {
    claim_id: `clm_${fingerprint.slice(0, 24)}`,
    fingerprint,
    claim_number: header.claim_number,
    service_date: header.service_date,
    plan_group_number: header.plan_group_number,
    subscriber_number: header.subscriber_number,
    provider_npi: header.provider_npi,
    net_fee_cents: claimNetFeeCents(lines),
    lines,
  };
}
