import type { Db } from '../db/open.js';
import { OutboxStore, type EventCounts } from '../db/outbox-store.js';
import { NatsUnavailableError } from '../errors.js';
import { connectNats, natsSettings, type NatsSession } from '../events/connection.js';
import { drainOutbox, type DrainResult } from '../events/publisher.js';
import { ensureStreams } from '../events/streams.js';
import type { RunSummary } from '../ingest/pipeline.js';
import { plural, type CommandContext } from './context.js';

export const NO_EVENTS: EventCounts = { events_published: 0, events_pending: 0, events_failed: 0 };

export interface IngestEventsOutcome {
  /** The run's events by status (all zero for a dry run). */
  countsFor(summary: RunSummary): EventCounts;
  /** NATS is configured and some events did not go out: exit 4 unless 1 or 3 applies. */
  unpublished: boolean;
  /** The human line about delivery. */
  message: string | null;
}

/**
 * Payment events during `claims ingest`. With NATS configured: one connection for the command, and
 * the whole outbox drained after each accepted input (a refused input leaves no event to send, and
 * a sent one cannot be taken back), so a multi-file ingest publishes file by file. NATS failing never
 * stops the ingest: the claims are stored, their events stay in the outbox, and the exit code says so.
 */
export class IngestEvents {
  private readonly store: OutboxStore;
  private readonly totals = { published: 0, duplicates: 0, failed: 0 };
  private lastDrain: DrainResult | null = null;

  private constructor(
    private readonly ctx: CommandContext,
    db: Db,
    private readonly configured: boolean,
    private session: NatsSession | null,
    /** NATS is configured but could not be used: every event stays in the outbox. */
    private readonly unavailable: boolean,
  ) {
    this.store = new OutboxStore(db);
  }

  /** Bad NATS settings are a usage error before any input is read; NATS down is not. */
  static async start(ctx: CommandContext, db: Db): Promise<IngestEvents> {
    const settings = natsSettings(ctx.globals);
    if (!settings) return new IngestEvents(ctx, db, false, null, false);
    let session: NatsSession | null = null;
    try {
      session = await connectNats(settings, ctx.log);
      await ensureStreams(session.jsm, ctx.log);
      return new IngestEvents(ctx, db, true, session, false);
    } catch (error) {
      if (!(error instanceof NatsUnavailableError)) throw error;
      await session?.close();
      // One warning (it names the servers, redacted): a pretty log shows it as one line, JSON as one entry.
      ctx.log.warn(`${error.message}; payment events stay in the outbox`);
      return new IngestEvents(ctx, db, true, null, true);
    }
  }

  /** Publishes every deliverable event, earlier runs' leftovers included. */
  async drain(): Promise<void> {
    if (!this.session || this.session.nc.isClosed()) return;
    const result = await drainOutbox(this.session, this.store);
    this.ctx.log.info({ ...result }, 'outbox drained');
    this.totals.published += result.published;
    this.totals.duplicates += result.duplicates;
    this.totals.failed += result.failed;
    this.lastDrain = result;
    // The server stopped answering: the next input's drain would only wait for it again.
    if (result.stopped !== null) await this.close();
  }

  /** Where the events stand after the drains; read while the database is still open. */
  outcome(summaries: readonly RunSummary[]): IngestEventsOutcome {
    const counts = this.store.countsByRun(summaries.flatMap((s) => (s.runId === null ? [] : [s.runId])));
    return {
      countsFor: (summary) => (summary.runId === null ? NO_EVENTS : (counts.get(summary.runId) ?? NO_EVENTS)),
      // Each drain retries every earlier failure, so the last one tells whether all went out.
      unpublished: this.unavailable || (this.lastDrain !== null && (this.lastDrain.failed > 0 || this.lastDrain.stopped !== null)),
      message: this.message(summaries),
    };
  }

  private message(summaries: readonly RunSummary[]): string | null {
    if (!this.configured) {
      return summaries.some((s) => s.claimsStored > 0)
        ? 'payment events are pending in the outbox: deliver them with `claims replay --nats <url>`'
        : null;
    }
    const waiting = this.store.deliverableCount();
    if (this.unavailable) {
      return `payment events not published (NATS unavailable); ${plural(waiting, 'event')} left to deliver: retry with \`claims replay\``;
    }
    const { published, duplicates, failed } = this.totals;
    return (
      `payment events: ${plural(published, 'event')} published` +
      (duplicates > 0 ? ` (${duplicates.toLocaleString('en-US')} already in the stream)` : '') +
      `, ${failed.toLocaleString('en-US')} failed; ${plural(waiting, 'event')} left to deliver` +
      (this.lastDrain?.stopped ? ` (stopped: ${this.lastDrain.stopped})` : '') +
      (waiting > 0 ? ': retry with `claims replay`' : '')
    );
  }

  async close(): Promise<void> {
    await this.session?.close();
    this.session = null;
  }
}
