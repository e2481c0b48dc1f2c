import { booleanFlag, defineCommand, parsedFlag, textFlag, type OptionsOf } from '../command.js';
import { checkDateRange, formatFlag, fromFlag, nonNegativeInt, positiveInt, toFlag } from '../flags.js';

const flags = {
  lines: booleanFlag('--lines', 'one row per claim line'),
  provider: textFlag('--provider <npi>', 'only this provider NPI'),
  procedure: textFlag('--procedure <code>', 'only claims with a line of this procedure (or only those lines)'),
  from: fromFlag(),
  to: toFlag(),
  claim: textFlag('--claim <id>', 'only this claim id or claim number'),
  limit: parsedFlag('--limit <n>', 'at most n rows', positiveInt),
  offset: parsedFlag('--offset <n>', 'skip the first n rows', nonNegativeInt),
  format: formatFlag(),
};

export type ListOptions = OptionsOf<typeof flags>;

export const list = defineCommand({
  name: 'list',
  description: 'list stored claims (or their lines with --lines)',
  flags,
  help: `
Examples:
  $ claims list --provider 1497775530 --from 2018-01-01 --format json
  $ claims list --lines --procedure D4211 --limit 50`,
  check: checkDateRange,
  run: async (ctx, options) => (await import('../list.js')).listCommand(ctx, options),
});
