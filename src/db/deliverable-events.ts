import { paymentEvent, unpayableAmount, type PaymentClaim } from '../domain/payment-event.js';
import type { DeliverableEvent } from '../events/ports.js';

// Shared by both backends' outboxes: how a page of outbox rows and their claims' lines become events.

/** An outbox row joined with its claim: what a deliverable event is built from. */
export type DeliverableRow = Omit<PaymentClaim, 'lines'> & { seq: number; status: string; attempts: number; lastError: string | null; claimPk: number };

/** A page's lines, in line order, by claim key. Each row is a line as it is (its claimPk is not a field of the event): no copy per line. */
export function linesByClaim<L extends { claimPk: number }>(rows: Iterable<L>): Map<number, L[]> {
  const byClaim = new Map<number, L[]>();
  for (const line of rows) {
    let lines = byClaim.get(line.claimPk);
    if (!lines) byClaim.set(line.claimPk, (lines = []));
    lines.push(line);
  }
  return byClaim;
}

const NO_BYTES = new Uint8Array(0);

/**
 * The payloads' UTF-8 bytes, as views of one buffer for the page: written into it one after another
 * (a UTF-16 unit takes at most 3 bytes), and handed from the outbox thread to the publishing one
 * whole, without a copy. Joining and encoding the page, then measuring each payload again, cost
 * an eighth of the outbox thread's time.
 */
function encodePage(payloads: readonly string[]): Uint8Array[] {
  let capacity = 0;
  for (const payload of payloads) capacity += payload.length * 3;
  // Not from Buffer's shared pool: the page's memory is moved to the other thread.
  const page = Buffer.allocUnsafeSlow(capacity);
  let offset = 0;
  return payloads.map((payload) => {
    const start = offset;
    offset += page.write(payload, offset);
    return new Uint8Array(page.buffer, page.byteOffset + start, offset - start);
  });
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
  const payloads: string[] = [];
  const poisoned: { seq: number; error: string }[] = [];
  for (const row of rows) {
    const { seq, status, attempts, lastError } = row;
    // The row holds the claim's fields: given its lines, it is the claim, without a copy of each.
    const paymentClaim: PaymentClaim = Object.assign(row, { lines: lines.get(row.claimPk) ?? [] });
    const problem = unpayableAmount(paymentClaim);
    if (problem) {
      if (!known.has(seq)) poisoned.push({ seq, error: problem });
      continue;
    }
    const event = paymentEvent(paymentClaim);
    events.push({
      seq,
      eventId: event.event_id,
      claimId: row.claim_id,
      subject: event.subject,
      payload: NO_BYTES,
      status: status as DeliverableEvent['status'],
      attempts,
      lastError,
    });
    payloads.push(event.payload);
  }
  for (const [index, bytes] of encodePage(payloads).entries()) events[index]!.payload = bytes;
  return { events, poisoned };
}
