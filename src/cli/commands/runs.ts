import { RUN_STATUSES } from '../../domain/run-statuses.js';
import { choiceFlag, defineCommand, parsedFlag, type OptionsOf } from '../command.js';
import { formatFlag, positiveInt } from '../flags.js';

const flags = {
  status: choiceFlag('--status <status>', 'only runs with this status', RUN_STATUSES),
  limit: parsedFlag('--limit <n>', 'at most n runs', positiveInt),
  format: formatFlag(),
};

export type RunsOptions = OptionsOf<typeof flags>;

export const runs = defineCommand({
  name: 'runs',
  description: 'ingest runs, newest first: counts of rows, claims and events, and errors',
  flags,
  help: `
Examples:
  $ claims runs --limit 5
  $ claims runs --status refused --format json`,
  run: async (ctx, options) => (await import('../runs.js')).runsCommand(ctx, options),
});
