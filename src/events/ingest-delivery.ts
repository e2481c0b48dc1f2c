import type { Logger } from 'pino';
import { NatsUnavailableError } from '../errors.js';
import type { NatsSession } from './connection.js';
import type { EventCounts, OutboxSource, OutboxStatus } from './ports.js';
import { drainOutbox, type DrainResult } from './publisher.js';
import type { NatsSettings } from './settings.js';

export const NO_EVENTS: EventCounts = { events_published: 0, events_pending: 0, events_failed: 0 };

/** A run as delivery sees it: dry runs and refused inputs have no run id worth asking about. */
export interface DeliveredRun {
  runId: number | null;
}

/** Where payment events stand after an ingest, for its summary and its exit code. */
export interface IngestDeliveryOutcome {
  /** NATS was configured (--nats); without it every event waits for `claims replay`. */
  configured: boolean;
  /** NATS was configured but could not be used: every event stayed in the outbox. */
  unavailable: boolean;
  published: number;
  /** Of the published: already in the stream. */
  duplicates: number;
  failed: number;
  /** Events left to deliver (pending or failed), earlier runs' included. */
  waiting: number;
  /** Why the last delivery stopped before the end, if it did. */
  stopped: string | null;
  /** The stop signal cut a delivery short: the rest waits for the next ingest or replay. */
  interrupted: boolean;
  /** NATS is configured and some events did not go out: exit 4 unless 1 or 3 applies. */
  unpublished: boolean;
  /** The run's events by status (all zero for a dry run). */
  countsFor(run: DeliveredRun): EventCounts;
}

/**
 * Payment events during an ingest. With NATS configured: one connection for the whole ingest, and
 * the whole outbox drained after each accepted input (a refused input leaves no event to send, and
 * a sent one cannot be taken back), so a multi-file ingest publishes file by file. NATS failing never
 * stops the ingest: the claims are stored, their events stay in the outbox, and the outcome says so.
 */
export class IngestDelivery {
  private readonly totals = { published: 0, duplicates: 0, failed: 0 };
  private lastDrain: DrainResult | null = null;

  private constructor(
    private readonly outbox: OutboxSource & OutboxStatus,
    private readonly log: Logger,
    private readonly configured: boolean,
    private session: NatsSession | null,
    private readonly unavailable: boolean,
    private readonly stop: AbortSignal | undefined,
  ) {}

  /**
   * null settings: NATS not configured. NATS down is not an error: the events wait in the outbox.
   * `stop` aborted (a signal) ends a delivery after the publishes in flight.
   */
  static async start(
    outbox: OutboxSource & OutboxStatus,
    settings: NatsSettings | null,
    log: Logger,
    stop?: AbortSignal,
  ): Promise<IngestDelivery> {
    if (!settings) return new IngestDelivery(outbox, log, false, null, false, stop);
    // The NATS client is loaded only when it is to be used: an ingest without --nats keeps its memory.
    const [{ connectNats }, { ensureStreams }] = await Promise.all([import('./connection.js'), import('./streams.js')]);
    let session: NatsSession | null = null;
    try {
      session = await connectNats(settings, log);
      await ensureStreams(session.jsm, log, session.streamReplicas);
      return new IngestDelivery(outbox, log, true, session, false, stop);
    } catch (error) {
      if (!(error instanceof NatsUnavailableError)) throw error;
      await session?.close();
      // One warning (it names the servers, redacted): a pretty log shows it as one line, JSON as one entry.
      log.warn(`${error.message}; payment events stay in the outbox`);
      return new IngestDelivery(outbox, log, true, null, true, stop);
    }
  }

  /** Publishes every deliverable event, earlier runs' leftovers included. */
  async deliver(): Promise<void> {
    if (!this.session || this.session.nc.isClosed()) return;
    const result = await drainOutbox(this.session, this.outbox, { stop: this.stop });
    this.log.info({ ...result }, 'outbox drained');
    this.totals.published += result.published;
    this.totals.duplicates += result.duplicates;
    this.totals.failed += result.failed;
    this.lastDrain = result;
    // The server stopped answering: the next input's drain would only wait for it again.
    if (result.stopped !== null) await this.close();
  }

  /** Where the events stand after the deliveries; asked while the database is still open. */
  async outcome(runs: readonly DeliveredRun[]): Promise<IngestDeliveryOutcome> {
    const counts = await this.outbox.countsByRun(runs.flatMap((run) => (run.runId === null ? [] : [run.runId])));
    return {
      configured: this.configured,
      unavailable: this.unavailable,
      ...this.totals,
      waiting: this.configured ? await this.outbox.deliverableCount() : 0,
      stopped: this.lastDrain?.stopped ?? null,
      interrupted: this.lastDrain?.interrupted ?? false,
      // Each drain retries every earlier failure, so the last one tells whether all went out.
      unpublished: this.unavailable || (this.lastDrain !== null && (this.lastDrain.failed > 0 || this.lastDrain.stopped !== null)),
      countsFor: (run) => (run.runId === null ? NO_EVENTS : (counts.get(run.runId) ?? NO_EVENTS)),
    };
  }

  async close(): Promise<void> {
    await this.session?.close();
    this.session = null;
  }
}
