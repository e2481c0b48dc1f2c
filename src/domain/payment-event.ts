import { EVENT_FIELDS } from './fields.js';
import { MAX_CLAIM_NET_FEE_CENTS, MAX_FEE_CENTS } from './limits.js';
import { formatCents } from './money.js';
import type { Claim, EventLine } from './types.js';

export const PAYMENT_EVENT_TYPE = 'claim.payment_requested';
export const PAYMENT_EVENT_VERSION = 1;
export const PAYMENT_SUBJECT_PREFIX = 'claims.payment';

export interface PaymentEvent {
  event_id: string;
  subject: string;
  payload: string;
}

/** The event id follows from the claim id, so every delivery of a claim carries the same Nats-Msg-Id. */
export function eventIdFor(claimId: string): string {
  return `evt_${claimId.replace(/^clm_/, '')}`;
}

/** NATS subject tokens cannot hold dots, spaces or wildcards; a valid NPI is digits only anyway. */
export function paymentSubject(providerNpi: string): string {
  return `${PAYMENT_SUBJECT_PREFIX}.${providerNpi.replace(/[^A-Za-z0-9_-]/g, '_')}`;
}

/** What an event says of a claim: a validated one, or one read back from the database. */
export type PaymentClaim = Pick<
  Claim,
  'claim_id' | 'claim_number' | 'provider_npi' | 'service_date' | 'plan_group_number' | 'subscriber_number' | 'net_fee_cents'
> & {
  lines: EventLine[];
};

/** `,"field":` before each of a line's values, in the order of the event's line fields (domain/fields.ts). */
const LINE_KEYS = EVENT_FIELDS.map((field) => `,${JSON.stringify(field)}:`);

/**
 * The payments team's contract: see README, "Payment events". The lines are joined as text, one
 * value at a time, rather than built as objects for JSON.stringify: the same bytes (test/unit/payload.test.ts),
 * at a fraction of the cost for every event a replay sends.
 */
export function paymentEvent(claim: PaymentClaim): PaymentEvent {
  const eventId = eventIdFor(claim.claim_id);
  const head = JSON.stringify({
    event_id: eventId,
    type: PAYMENT_EVENT_TYPE,
    version: PAYMENT_EVENT_VERSION,
    claim_id: claim.claim_id,
    claim_number: claim.claim_number,
    provider_npi: claim.provider_npi,
    service_date: claim.service_date,
    plan_group_number: claim.plan_group_number,
    subscriber_number: claim.subscriber_number,
    net_fee_cents: claim.net_fee_cents,
    net_fee: formatCents(claim.net_fee_cents),
  });
  let lines = '';
  // Index loops: entries() made an iterator and a pair per line and per value.
  for (let index = 0; index < claim.lines.length; index++) {
    const line = claim.lines[index]!;
    lines += `${index === 0 ? '' : ','}{"line_index":${index + 1}`;
    for (let i = 0; i < EVENT_FIELDS.length; i++) {
      const value = line[EVENT_FIELDS[i]!];
      // As JSON.stringify leaves out a property that is undefined.
      if (value !== undefined) lines += LINE_KEYS[i]! + (typeof value === 'number' ? String(value) : JSON.stringify(value));
    }
    lines += '}';
  }
  return { event_id: eventId, subject: paymentSubject(claim.provider_npi), payload: `${head.slice(0, -1)},"lines":[${lines}]}` };
}

const FEE_KEYS = ['provider_fees_cents', 'allowed_fees_cents', 'member_coinsurance_cents', 'member_copay_cents'] as const;

/**
 * Why a claim read back from the database cannot be paid as stored, or null. Ingest's money_range
 * rule keeps every new claim within bounds; an older version could store amounts beyond 2^53 cents,
 * which read back inexact and must never reach the payments service.
 */
export function unpayableAmount(claim: PaymentClaim): string | null {
  const outside = (cents: number, limit: number) => !Number.isSafeInteger(cents) || Math.abs(cents) > limit;
  if (outside(claim.net_fee_cents, MAX_CLAIM_NET_FEE_CENTS)) {
    return `claim ${claim.claim_id}: net_fee_cents ${claim.net_fee_cents} is not an exact amount within ±${formatCents(MAX_CLAIM_NET_FEE_CENTS)} (money_range); not published`;
  }
  for (const [index, line] of claim.lines.entries()) {
    for (const key of FEE_KEYS) {
      if (outside(line[key], MAX_FEE_CENTS)) {
        return `claim ${claim.claim_id} line ${index + 1}: ${key} ${line[key]} is not an exact amount within ±${formatCents(MAX_FEE_CENTS)} (money_range); not published`;
      }
    }
    if (outside(line.net_fee_cents, FEE_KEYS.length * MAX_FEE_CENTS)) {
      return `claim ${claim.claim_id} line ${index + 1}: net_fee_cents ${line.net_fee_cents} is not an exact amount (money_range); not published`;
    }
  }
  return null;
}
