import { defineCommand, defineGroup, parsedFlag, type OptionsOf } from '../command.js';
import { checkDateRange, formatFlag, fromFlag, positiveInt, toFlag } from '../flags.js';

/** A new report is one more entry here, its function in ../report.ts, and its query in src/db. */

const topProvidersFlags = {
  limit: parsedFlag('--limit <n>', 'number of providers', positiveInt).default(10),
  from: fromFlag(),
  to: toFlag(),
  format: formatFlag(),
};
export type TopProvidersOptions = OptionsOf<typeof topProvidersFlags>;

const summaryFlags = { format: formatFlag() };
export type SummaryOptions = OptionsOf<typeof summaryFlags>;

const rejectionsFlags = {
  run: parsedFlag('--run <id>', 'only this ingest run (ids: claims runs)', positiveInt),
  limit: parsedFlag('--limit <n>', 'at most n rejected rows', positiveInt),
  format: formatFlag(),
};
export type RejectionsOptions = OptionsOf<typeof rejectionsFlags>;

export const report = defineGroup({
  name: 'report',
  description: 'reports over stored claims: top-providers, summary, rejections',
  help: '\nExamples:\n  $ claims report top-providers --limit 5\n  $ claims report summary --format json',
  commands: [
    defineCommand({
      name: 'top-providers',
      description: 'providers ranked by total net fee',
      flags: topProvidersFlags,
      help: '\nExample:\n  $ claims report top-providers --limit 3 --format json',
      check: checkDateRange,
      run: async (ctx, options) => (await import('../report.js')).topProvidersCommand(ctx, options),
    }),
    defineCommand({
      name: 'summary',
      description: 'claims, lines, providers, net fee, rejections, runs and event delivery',
      flags: summaryFlags,
      help: '\nExample:\n  $ claims report summary --format json',
      run: async (ctx, options) => (await import('../report.js')).summaryCommand(ctx, options),
    }),
    defineCommand({
      name: 'rejections',
      description: 'rejected rows with their errors',
      flags: rejectionsFlags,
      help: '\nExamples:\n  $ claims report rejections --run 3 --format csv > rejected.csv\n  $ claims report rejections --limit 20',
      run: async (ctx, options) => (await import('../report.js')).rejectionsCommand(ctx, options),
    }),
  ],
});
