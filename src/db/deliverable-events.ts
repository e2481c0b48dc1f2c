import { paymentEvent, unpayableAmount, type PaymentClaim } from '../domain/payment-event.js';
import type { DeliverableEvent } from '../events/ports.js';

// Shared by both backends' outboxes: how a page of outbox rows and their claims' lines become events.

/** An outbox row joined with its claim: what a deliverable event is built from. */
export type DeliverableRow = Omit<PaymentClaim, 'lines'> & { seq: number; status: string; attempts: number; lastError: string | null; claimPk: number };

/** A page's lines, in line order, by claim key. */
export function linesByClaim<L extends { claimPk: number }>(rows: Iterable<L>): Map<number, Omit<L, 'claimPk'>[]> {
  const byClaim = new Map<number, Omit<L, 'claimPk'>[]>();
  for (const { claimPk, ...line } of rows) {
    let lines = byClaim.get(claimPk);
    if (!lines) byClaim.set(claimPk, (lines = []));
    lines.push(line);
  }
  return byClaim;
}

/**
 * The events of a page's rows. A claim whose amounts cannot be paid exactly (written by an older
 * version) gets no event: it comes back in `poisoned` with the reason (unless `known` holds it
 * already), for the outbox to mark failed, and the rest go on.
 */
export function deliverableEvents(
  rows: readonly DeliverableRow[],
  lines: ReadonlyMap<number, PaymentClaim['lines']>,
  known: ReadonlySet<number>,
): { events: DeliverableEvent[]; poisoned: { seq: number; error: string }[] } {
  const events: DeliverableEvent[] = [];
  const poisoned: { seq: number; error: string }[] = [];
  for (const { seq, status, attempts, lastError, claimPk, ...claim } of rows) {
    const paymentClaim = { ...claim, lines: lines.get(claimPk) ?? [] };
    const problem = unpayableAmount(paymentClaim);
    if (problem) {
      if (!known.has(seq)) poisoned.push({ seq, error: problem });
      continue;
    }
    const event = paymentEvent(paymentClaim);
    events.push({
      seq,
      eventId: event.event_id,
      claimId: claim.claim_id,
      subject: event.subject,
      payload: event.payload,
      status: status as DeliverableEvent['status'],
      attempts,
      lastError,
    });
  }
  return { events, poisoned };
}
