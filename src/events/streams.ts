import {
  DiscardPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  RetentionPolicy,
  StorageType,
  type JetStreamManager,
  type StreamConfig,
} from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { NatsUnavailableError } from '../errors.js';
import { PAYMENT_SUBJECT_PREFIX } from '../domain/payment-event.js';

const PAYMENT_STREAM = 'CLAIMS';
export const DEAD_LETTER_STREAM = 'CLAIMS_DLQ';
const DEAD_LETTER_SUBJECT_PREFIX = 'claims.dlq';
/** Where a payments consumer puts a payment event it gave up on. */
export const DEAD_PAYMENT_SUBJECT_PREFIX = `${DEAD_LETTER_SUBJECT_PREFIX}.payment`;

const HOUR_MS = 3_600_000;
const STREAM_NAME_IN_USE = 10058;

type NewStream = Partial<StreamConfig> & Pick<StreamConfig, 'name'>;

/**
 * The payment stream, as created when missing.
 * - File storage: a payment request must survive a server restart.
 * - No age, count or size limit: a payment request expired or discarded before the payments
 *   service read it would be lost without anyone noticing. The server's storage limit bounds the
 *   stream; `discard: new` makes it, should someone give it a limit, refuse new events (they stay
 *   failed in the outbox and `claims` exits 4) rather than silently drop the oldest unread ones.
 * - Duplicate window 6 hours: JetStream drops a message whose Nats-Msg-Id (the event id) it stored
 *   within the window. It covers a run killed between PubAck and the outbox update and rerun by cron
 *   or by hand the same day; JetStream keeps every id of the window in memory (about 100 bytes each:
 *   ~100 MB for a million events in 6 hours), which is why it is not days.
 */
const PAYMENT_STREAM_CONFIG: NewStream = {
  name: PAYMENT_STREAM,
  subjects: [`${PAYMENT_SUBJECT_PREFIX}.>`],
  storage: StorageType.File,
  retention: RetentionPolicy.Limits,
  discard: DiscardPolicy.New,
  duplicate_window: nanos(6 * HOUR_MS),
};

/** Dead letters wait here until `claims replay --dlq` moves them back; kept like payment events. */
const DEAD_LETTER_STREAM_CONFIG: NewStream = {
  name: DEAD_LETTER_STREAM,
  subjects: [`${DEAD_LETTER_SUBJECT_PREFIX}.>`],
  storage: StorageType.File,
  retention: RetentionPolicy.Limits,
  discard: DiscardPolicy.New,
};

/**
 * Creates CLAIMS and CLAIMS_DLQ when missing, with `replicas` copies each (--stream-replicas). An
 * existing stream is left exactly as it is: its owner may have given it replicas, limits or a window
 * of their own. One with fewer replicas than asked keeps events on fewer servers than the operator
 * expects: that is a warning, with the command that changes it (claims does not: an edit of a live
 * stream is the operator's call).
 */
export async function ensureStreams(jsm: JetStreamManager, log: Logger, replicas: number): Promise<void> {
  for (const config of [PAYMENT_STREAM_CONFIG, DEAD_LETTER_STREAM_CONFIG]) {
    try {
      const existing = await streamReplicas(jsm, config.name);
      if (existing !== null) {
        if (existing < replicas) {
          log.warn(
            { stream: config.name, replicas: existing, stream_replicas: replicas },
            `stream ${config.name} has ${existing} replica(s), --stream-replicas asks for ${replicas}: left as it is; ` +
              `to change it: nats stream edit ${config.name} --replicas ${replicas}`,
          );
        } else log.debug({ stream: config.name, replicas: existing }, 'stream exists; its configuration is left as it is');
        continue;
      }
      await jsm.streams.add({ ...config, num_replicas: replicas });
      log.info({ stream: config.name, subjects: config.subjects, replicas }, 'stream created');
    } catch (error) {
      // Another `claims` process created it between our look and our add.
      if (error instanceof JetStreamApiError && error.code === STREAM_NAME_IN_USE) continue;
      throw new NatsUnavailableError(`cannot set up stream ${config.name}: ${(error as Error).message}`);
    }
  }
}

/** Messages waiting in CLAIMS_DLQ; 0 when the stream does not exist (nothing was ever dead-lettered). */
export async function deadLetterDepth(jsm: JetStreamManager): Promise<number> {
  try {
    return (await jsm.streams.info(DEAD_LETTER_STREAM)).state.messages;
  } catch (error) {
    if (isStreamNotFound(error)) return 0;
    throw new NatsUnavailableError(`cannot read stream ${DEAD_LETTER_STREAM}: ${(error as Error).message}`);
  }
}

/** The replicas of an existing stream; null when there is none. */
async function streamReplicas(jsm: JetStreamManager, name: string): Promise<number | null> {
  try {
    return (await jsm.streams.info(name)).config.num_replicas;
  } catch (error) {
    if (isStreamNotFound(error)) return null;
    throw error;
  }
}

export function isStreamNotFound(error: unknown): boolean {
  return error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound;
}
