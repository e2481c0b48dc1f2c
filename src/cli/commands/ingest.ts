import { Argument } from 'commander';
import { INPUT_FORMATS } from '../../ingest/formats.js';
import { booleanFlag, choiceFlag, defineCommand, Operand, parsedFlag, textFlag, type OptionsOf } from '../command.js';
import { ROWS_PER_TRANSACTION } from '../../ingest/write.js';
import { batchRows, formatFlag, nonNegativeInt } from '../flags.js';

const flags = {
  inputFormat: choiceFlag('--input-format <format>', 'input format (default: from the extension; csv for stdin)', INPUT_FORMATS),
  rules: textFlag('--rules <file>', 'JSON file that sets rule severities and adds rules'),
  rejects: textFlag('--rejects <file>', 'write rejected rows to this CSV (original columns + _row, _errors)'),
  maxErrors: parsedFlag('--max-errors <n>', 'refuse an input when more than n rows are rejected', nonNegativeInt),
  batchRows: parsedFlag('--batch-rows <n>', `rows written per transaction (default: ${ROWS_PER_TRANSACTION})`, batchRows),
  dryRun: booleanFlag('--dry-run', 'validate and report without writing anything'),
  format: formatFlag(),
};

export type IngestOptions = OptionsOf<typeof flags>;

export const ingest = defineCommand({
  name: 'ingest',
  description: 'validate claim lines from CSV, JSON or NDJSON files (or stdin) and store the claims',
  argument: new Operand<string[]>(new Argument('[files...]', 'input files; - or none for stdin')),
  flags,
  help: `
Examples:
  $ claims ingest fixtures/claim_1234.csv
  $ claims ingest export.json --rejects rejected.csv --max-errors 100
  $ cat lines.ndjson | claims ingest --input-format ndjson --format json`,
  // Bad NATS settings are a usage error, found before ingest opens (or creates) the database.
  check: async (_options, command) => {
    const globals = command.optsWithGlobals();
    if (globals.nats) (await import('../../events/settings.js')).natsSettings(globals);
  },
  run: async (ctx, options, files) => (await import('../ingest.js')).ingestCommand(ctx, files, options),
});
