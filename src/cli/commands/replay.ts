import { booleanFlag, defineCommand, parsedFlag, type OptionsOf } from '../command.js';
import { formatFlag, positiveInt } from '../flags.js';

const flags = {
  dlq: booleanFlag('--dlq', 'move dead letters from CLAIMS_DLQ back to their payment subjects'),
  limit: parsedFlag('--limit <n>', 'handle at most n events', positiveInt),
  dryRun: booleanFlag('--dry-run', 'list what would be published without publishing'),
  events: booleanFlag('--events', 'one record per event (or dead letter) instead of the summary record'),
  format: formatFlag(),
};

export type ReplayOptions = OptionsOf<typeof flags>;

export const replay = defineCommand({
  name: 'replay',
  description: 'publish outbox events not yet acknowledged, or move dead letters back (--dlq)',
  flags,
  help: `
Examples:
  $ claims replay --nats nats://127.0.0.1:4222
  $ claims replay --dry-run --format json
  $ claims replay --events --format ndjson --nats nats://127.0.0.1:4222
  $ claims replay --dlq --limit 100 --nats nats://127.0.0.1:4222`,
  run: async (ctx, options) => (await import('../replay.js')).replayCommand(ctx, options),
});
