import { JetStreamApiCodes, JetStreamApiError, type Consumer, type JsMsg } from '@nats-io/jetstream';
import { errors } from '@nats-io/transport-node';
import { NatsUnavailableError } from '../errors.js';
import { within, type NatsSession } from './connection.js';
import { PAYMENT_SUBJECT_PREFIX } from '../domain/payment-event.js';
import { DEAD_LETTER_STREAM, DEAD_PAYMENT_SUBJECT_PREFIX, isStreamNotFound } from './streams.js';

/** Dead letters read and moved at a time. */
const BATCH_SIZE = 256;
/** How long a fetch waits for dead letters that the stream said were there. */
const FETCH_EXPIRES_MS = 2_000;

export interface DeadLetterOutcome {
  dlqSeq: number;
  eventId: string | null;
  fromSubject: string;
  /** The payment subject it goes back to. */
  subject: string;
  /** A dry run says what the real run would do: `would_republish` or `would_fail`. */
  status: 'republished' | 'failed' | 'would_republish' | 'would_fail';
  /** Its sequence in CLAIMS once republished. */
  streamSeq: number | null;
  error: string | null;
}

export interface DeadLetterOptions {
  limit?: number;
  dryRun: boolean;
  onOutcomes: (outcomes: readonly DeadLetterOutcome[]) => void;
  /** Aborted (a signal): no further batch is fetched; the one in hand is finished and reported. */
  stop?: AbortSignal;
}

export interface DeadLetterResult {
  republished: number;
  failed: number;
  /** Why moving stopped before the end (the server stopped answering); the rest stays in CLAIMS_DLQ. */
  stopped: string | null;
}

interface DeadLetter {
  seq: number;
  fromSubject: string;
  subject: string;
  eventId: string | null;
  data: Uint8Array;
}

/**
 * Moves dead payment letters (`claims.dlq.payment.<npi>`) back to `claims.payment.<npi>`, oldest
 * first, each removed from CLAIMS_DLQ only once CLAIMS has acknowledged it. Letters that arrive
 * while it runs wait for the next replay, so a consumer that keeps failing cannot make it loop.
 */
export async function replayDeadLetters(session: NatsSession, options: DeadLetterOptions): Promise<DeadLetterResult> {
  const result: DeadLetterResult = { republished: 0, failed: 0, stopped: null };
  const { timeoutMs } = session;
  const lastSeq = await within(lastDeadLetterSeq(session), timeoutMs, 'no answer').catch(cannotRead);
  if (lastSeq === 0) return result;
  const consumer = await within(
    session.js.consumers.get(DEAD_LETTER_STREAM, { filter_subjects: `${DEAD_PAYMENT_SUBJECT_PREFIX}.>` }),
    timeoutMs,
    'no answer',
  ).catch(cannotRead);
  let remaining = options.limit ?? Infinity;
  // A server that stopped answering would make every further batch wait a full timeout.
  const unanswered = () => (result.stopped ??= `no answer from NATS within ${timeoutMs / 1000}s`);
  while (remaining > 0 && !session.nc.isClosed() && result.stopped === null) {
    if (options.stop?.aborted) {
      result.stopped = `interrupted by ${String(options.stop.reason)}`;
      break;
    }
    const batch = fetchBatch(consumer, Math.min(BATCH_SIZE, remaining), lastSeq);
    const { letters, more } = await within(batch, timeoutMs + FETCH_EXPIRES_MS, 'no answer').catch(cannotRead);
    if (letters.length === 0) break;
    remaining -= letters.length;
    const outcomes = options.dryRun
      ? letters.map(wouldMoveBack)
      : await Promise.all(letters.map((letter) => moveBack(session, letter, unanswered)));
    for (const o of outcomes) {
      if (o.status === 'republished') result.republished++;
      if (o.status === 'failed') result.failed++;
    }
    options.onOutcomes(outcomes);
    if (!more) break;
  }
  return result;
}

function cannotRead(error: unknown): never {
  throw new NatsUnavailableError(`cannot read stream ${DEAD_LETTER_STREAM}: ${(error as Error).message}`);
}

async function lastDeadLetterSeq(session: NatsSession): Promise<number> {
  try {
    const { state } = await session.jsm.streams.info(DEAD_LETTER_STREAM);
    return state.messages === 0 ? 0 : state.last_seq;
  } catch (error) {
    if (isStreamNotFound(error)) return 0;
    throw error;
  }
}

/** Up to `max` dead letters stored up to `lastSeq`; `more` when some are left after them. */
async function fetchBatch(consumer: Consumer, max: number, lastSeq: number): Promise<{ letters: DeadLetter[]; more: boolean }> {
  const letters: DeadLetter[] = [];
  let more = false;
  for await (const message of await consumer.fetch({ max_messages: max, expires: FETCH_EXPIRES_MS })) {
    if (message.seq > lastSeq) break;
    letters.push(deadLetter(message));
    more = message.info.pending > 0 && message.seq < lastSeq;
    // Stop at the last one rather than wait for the fetch to expire.
    if (!more || letters.length === max) break;
  }
  return { letters, more };
}

function deadLetter(message: JsMsg): DeadLetter {
  return {
    seq: message.seq,
    fromSubject: message.subject,
    subject: `${PAYMENT_SUBJECT_PREFIX}${message.subject.slice(DEAD_PAYMENT_SUBJECT_PREFIX.length)}`,
    eventId: eventIdOf(message.string()),
    data: message.data,
  };
}

/** Consumers recognise an event by the `event_id` of its payload, which a dead letter keeps. */
function eventIdOf(payload: string): string | null {
  try {
    const value = JSON.parse(payload) as { event_id?: unknown } | null;
    return typeof value?.event_id === 'string' && value.event_id !== '' ? value.event_id : null;
  } catch {
    return null;
  }
}

/**
 * CLAIMS has already stored this event id, so republishing with it would be dropped as a duplicate.
 * The id names the dead letter instead: new to CLAIMS, and the same again if this replay is cut
 * between the PubAck and the removal, so the next replay is deduplicated, not delivered twice.
 */
function redeliveryMsgId(eventId: string, dlqSeq: number): string {
  return `${eventId}:dlq:${dlqSeq}`;
}

/** Only a payment event (it has an event_id) can go back: the one check of a dry run and of a real one. */
function isPaymentLetter(letter: DeadLetter): letter is DeadLetter & { eventId: string } {
  return letter.eventId !== null;
}
const NOT_A_PAYMENT = 'not a payment event (no event_id in the payload): left in the dead letter stream';

function wouldMoveBack(letter: DeadLetter): DeadLetterOutcome {
  return isPaymentLetter(letter) ? outcome(letter, 'would_republish') : outcome(letter, 'would_fail', null, NOT_A_PAYMENT);
}

async function moveBack(session: NatsSession, letter: DeadLetter, onTimeout: () => void): Promise<DeadLetterOutcome> {
  if (!isPaymentLetter(letter)) return outcome(letter, 'failed', null, NOT_A_PAYMENT);
  let streamSeq: number;
  try {
    const ack = await session.js.publish(letter.subject, letter.data, { msgID: redeliveryMsgId(letter.eventId, letter.seq) });
    streamSeq = ack.seq;
  } catch (error) {
    if (error instanceof errors.TimeoutError) onTimeout();
    return outcome(letter, 'failed', null, `not republished: ${(error as Error).message}`);
  }
  try {
    await session.jsm.streams.deleteMessage(DEAD_LETTER_STREAM, letter.seq, false);
  } catch (error) {
    // Removed meanwhile (another replay): what we wanted.
    if (!(error instanceof JetStreamApiError && error.code === JetStreamApiCodes.NoMessageFound)) {
      if (error instanceof errors.TimeoutError) onTimeout();
      return outcome(letter, 'failed', streamSeq, `republished but not removed from ${DEAD_LETTER_STREAM}: ${(error as Error).message}`);
    }
  }
  return outcome(letter, 'republished', streamSeq);
}

function outcome(
  letter: DeadLetter,
  status: DeadLetterOutcome['status'],
  streamSeq: number | null = null,
  error: string | null = null,
): DeadLetterOutcome {
  return { dlqSeq: letter.seq, eventId: letter.eventId, fromSubject: letter.fromSubject, subject: letter.subject, status, streamSeq, error };
}
