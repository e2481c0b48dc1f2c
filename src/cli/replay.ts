import { InterruptedError, UsageError, type StopSignal } from '../errors.js';
import { withNatsSession, type NatsSession } from '../events/connection.js';
import { natsSettings, type NatsSettings } from '../events/settings.js';
import { replayDeadLetters, type DeadLetterOutcome } from '../events/dlq.js';
import type { DeliverableEvent, Delivery } from '../events/ports.js';
import { drainOutbox } from '../events/publisher.js';
import { DEAD_LETTER_STREAM, deadLetterDepth, ensureStreams } from '../events/streams.js';
import { applyPublishingHeapFlags } from '../heap-flags.js';
import { createRecordWriter, defaultFormat, writeRecords, type OutputRecord, type RecordWriter } from '../output/records.js';
import type { ReplayOptions } from './commands/replay.js';
import { count, note, plural, type CommandContext } from './context.js';
import { deliveryNote } from './delivery-note.js';
import { SUCCESS, type Outcome } from './exit.js';
import { stopReason, watchStopSignals } from './signals.js';
import { openExistingReadOnly, openStorage } from './storage.js';

const LIST_PAGE_SIZE = 1_000;

/**
 * `claims replay`: the outbox's undelivered events, or (--dlq) the dead letters, back onto CLAIMS.
 * Its output is one summary record, so cron mails a line, not a row per event; `--events` (and
 * `--dry-run`, whose point is the list) prints one record per event instead.
 */
export async function replayCommand(ctx: CommandContext, options: ReplayOptions): Promise<Outcome> {
  const format = options.format ?? defaultFormat(ctx.io.stdout);
  const perEvent = options.events || options.dryRun;
  const writer = perEvent ? createRecordWriter(format, ctx.io.stdout) : SKIP;
  let result: Replayed;
  let interrupted: StopSignal | null = null;
  // The outbox listing of a dry run only reads: a signal ends it as usual.
  if (options.dryRun && !options.dlq) result = await listDeliverable(ctx, options, writer);
  else {
    // Memory bounded by a page of events: the heap is set for speed, not for the ingest's flat peak.
    applyPublishingHeapFlags();
    // A signal stops the publishing, not the process: what went out is recorded and said, then exit 128+n.
    const signals = watchStopSignals();
    try {
      result = options.dlq
        ? await replayDeadLetterStream(ctx, options, writer, signals.stop)
        : await publishDeliverable(ctx, options, writer, signals.stop);
    } finally {
      signals.dispose();
    }
    interrupted = stopReason(signals.stop);
  }
  // Not on a failure: a refused database must not print an empty list (`[]`) before its error.
  writer.end();
  // Like ingest: with -q and no --format asked, a success prints nothing (a quiet cron line).
  const wanted = options.format !== undefined || !ctx.globals.quiet;
  if (!perEvent && result.summary && wanted) writeRecords([result.summary], format, ctx.io.stdout, { single: true });
  if (interrupted) throw new InterruptedError(interrupted);
  return result.outcome;
}

const SKIP: RecordWriter = { write: () => {}, end: () => {} };

interface Replayed {
  outcome: Outcome;
  /** Counts for the summary record (a dry run is a list, with its count in the note). */
  summary?: OutputRecord;
}

async function publishDeliverable(ctx: CommandContext, options: ReplayOptions, writer: RecordWriter, stop: AbortSignal): Promise<Replayed> {
  // A missing --nats is a usage error, found before the database is looked at.
  const settings = requireNats(ctx);
  const storage = await openStorage(ctx, 'existing');
  try {
    const store = storage.outbox();
    const result = await withNatsSession(settings, ctx.log, async (session) => {
      await ensureStreams(session.jsm, ctx.log, session.streamReplicas);
      return drainOutbox(session, store, {
        limit: options.limit,
        onRecorded: (deliveries) => deliveries.forEach((delivery) => writer.write(deliveryRecord(delivery))),
        stop,
      });
    });
    const summary = {
      events_published: result.published,
      events_duplicate: result.duplicates,
      events_failed: result.failed,
      events_left: await store.deliverableCount(),
      stopped: result.stopped,
    };
    ctx.log.info(summary, 'replay finished');
    note(ctx, deliveryNote('replay', { ...result, left: summary.events_left }, { retryHint: false }));
    return { outcome: { eventsUnpublished: result.failed > 0 || result.stopped !== null }, summary };
  } finally {
    await storage.close();
  }
}

/** A dry run reads the outbox only: no NATS needed, and no database created (a missing one is refused). */
async function listDeliverable(ctx: CommandContext, options: ReplayOptions, writer: RecordWriter): Promise<Replayed> {
  const storage = await openExistingReadOnly(ctx);
  let listed = 0;
  try {
    const store = storage.outbox();
    let afterSeq = 0;
    for (;;) {
      const events = await store.nextDeliverable(afterSeq, Math.min(LIST_PAGE_SIZE, (options.limit ?? Infinity) - listed));
      if (events.length === 0) break;
      for (const event of events) {
        const { status, attempts, lastError } = event;
        writer.write(eventRecord(event, { status, attempts, stream_seq: null, duplicate: null, error: lastError }));
      }
      listed += events.length;
      afterSeq = events[events.length - 1]!.seq;
    }
  } finally {
    await storage.close();
  }
  note(ctx, `replay --dry-run: ${plural(listed, 'event')} would be published; nothing was sent`);
  return { outcome: SUCCESS };
}

async function replayDeadLetterStream(ctx: CommandContext, options: ReplayOptions, writer: RecordWriter, stop: AbortSignal): Promise<Replayed> {
  const { result, depth } = await withSession(ctx, async (session) => {
    if (!options.dryRun) await ensureStreams(session.jsm, ctx.log, session.streamReplicas);
    const result = await replayDeadLetters(session, {
      limit: options.limit,
      dryRun: options.dryRun,
      onOutcomes: (outcomes) => outcomes.forEach((outcome) => writer.write(deadLetterRecord(outcome))),
      stop,
    });
    // A server that stopped answering would only make the command wait once more for the depth.
    return { result, depth: result.stopped === null ? await deadLetterDepth(session.jsm) : null };
  });
  const summary = { dead_letters_republished: result.republished, dead_letters_failed: result.failed, dlq_depth: depth, stopped: result.stopped };
  ctx.log.info(summary, 'dead letter replay finished');
  const moved = `replay --dlq: ${plural(result.republished, 'dead letter')} republished, ${count(result.failed)} failed`;
  note(
    ctx,
    depth === null
      ? `${moved}; stopped: ${result.stopped}`
      : options.dryRun
        ? `replay --dlq --dry-run: ${plural(depth, 'dead letter')} in ${DEAD_LETTER_STREAM}; nothing was moved`
        : `${moved}; ${count(depth)} left in ${DEAD_LETTER_STREAM}`,
  );
  return { outcome: { eventsUnpublished: result.failed > 0 || result.stopped !== null }, summary };
}

function withSession<T>(ctx: CommandContext, work: (session: NatsSession) => Promise<T>): Promise<T> {
  return withNatsSession(requireNats(ctx), ctx.log, work);
}

function requireNats(ctx: CommandContext): NatsSettings {
  const settings = natsSettings(ctx.globals);
  if (!settings) throw new UsageError('replay needs a NATS server: give --nats <url> or set NATS_URL');
  return settings;
}

function deliveryRecord(delivery: Delivery) {
  const attempts = delivery.event.attempts + 1;
  return delivery.ok
    ? eventRecord(delivery.event, { status: 'published', attempts, stream_seq: delivery.streamSeq, duplicate: delivery.duplicate, error: null })
    : eventRecord(delivery.event, { status: 'failed', attempts, stream_seq: null, duplicate: null, error: delivery.error });
}

interface EventOutcome {
  status: string;
  attempts: number;
  stream_seq: number | null;
  /** True when JetStream already had the event (its PubAck said duplicate). */
  duplicate: boolean | null;
  error: string | null;
}

/** The same columns whether listed (--dry-run) or published, so scripts read both alike. */
function eventRecord(event: DeliverableEvent, outcome: EventOutcome) {
  return { seq: event.seq, event_id: event.eventId, claim_id: event.claimId, subject: event.subject, ...outcome };
}

function deadLetterRecord(outcome: DeadLetterOutcome) {
  return {
    dlq_seq: outcome.dlqSeq,
    event_id: outcome.eventId,
    from_subject: outcome.fromSubject,
    subject: outcome.subject,
    status: outcome.status,
    stream_seq: outcome.streamSeq,
    error: outcome.error,
  };
}
