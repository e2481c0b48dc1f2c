import { booleanFlag, choiceFlag, parsedFlag, textFlag, type OptionsOf } from './flag-spec.js';
import { nonEmpty, positiveSeconds, replicaCount } from './flags.js';
import { LOG_FORMATS, LOG_LEVELS } from './log.js';

/** The options every command takes, before or after its words; environment variables are read from main()'s env. */
export const globalFlags = {
  db: parsedFlag('--db <path>', 'SQLite database file, or a postgres:// URL', nonEmpty).env('CLAIMS_DB').default('./claims.db'),
  nats: textFlag('--nats <url>', 'NATS server(s), comma-separated').env('NATS_URL'),
  natsCreds: textFlag('--nats-creds <file>', 'NATS credentials file').env('NATS_CREDS'),
  // The default lives with the NATS code (src/events/connection.ts), which main.ts does not load.
  natsTimeout: parsedFlag(
    '--nats-timeout <seconds>',
    'longest wait for any one NATS answer: connect, PubAck, stream calls (default: 10)',
    positiveSeconds,
  ).env('CLAIMS_NATS_TIMEOUT'),
  streamReplicas: parsedFlag(
    '--stream-replicas <n>',
    'copies JetStream keeps of CLAIMS and CLAIMS_DLQ when claims creates them, 1-5 (default: 1; more needs a cluster)',
    replicaCount,
  ).env('CLAIMS_STREAM_REPLICAS'),
  /** Unset: info, or warn with --quiet. */
  logLevel: choiceFlag('--log-level <level>', 'log level of the logs on stderr (default: info, warn with --quiet)', LOG_LEVELS).env(
    'CLAIMS_LOG_LEVEL',
  ),
  logFormat: choiceFlag(
    '--log-format <format>',
    'logs as JSON lines or one human line each (default: pretty on a terminal, else json)',
    LOG_FORMATS,
  ).env('CLAIMS_LOG_FORMAT'),
  quiet: booleanFlag('-q, --quiet', 'no progress and no human summary: only warnings, errors and the data asked for'),
};

export type GlobalOptions = OptionsOf<typeof globalFlags>;
