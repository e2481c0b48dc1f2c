import { createRequire } from 'node:module';
import { Argument, Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { RUN_STATUSES } from '../db/run-statuses.js';
import { parseServiceDate } from '../domain/dates.js';
import { environmentFailure, EXIT, UsageError } from '../errors.js';
import { INPUT_FORMATS } from '../ingest/formats.js';
import { OUTPUT_FORMATS } from '../output/records.js';
import { processIo, type CommandContext, type GlobalOptions, type Io } from './context.js';
import { colourAllowed, createLogger, defaultLogFormat, LOG_FORMATS, LOG_LEVELS, reportFailure } from './log.js';

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

/** Runs one command line and returns the exit code; the only place errors become exit codes. */
export async function main(argv: string[], io: Io = processIo()): Promise<number> {
  const outcome: Outcome = { ctx: null, exitCode: EXIT.ok };
  const program = buildProgram(io, outcome);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return outcome.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    // Known failures (ours, and the machine's: a full disk, a read-only file) are one line to act on;
    // any stack trace is for --log-level debug only, not for the person who ran it.
    const known = environmentFailure(error, outcome.ctx?.globals.db ?? 'the database');
    const message = known ? known.message : `unexpected error: ${(error as Error).message ?? String(error)}`;
    if (outcome.ctx) {
      reportFailure(outcome.ctx, message);
      outcome.ctx.log.debug({ stack: (error as Error).stack ?? String(error) }, 'stack of the failure');
    } else {
      io.stderr.write(`claims: ${message}\n`);
    }
    return known ? known.exitCode : EXIT.failure;
  }
}

/** What the command that ran left behind: its context (for logging a crash) and its exit code. */
interface Outcome {
  ctx: CommandContext | null;
  exitCode: number;
}

function buildProgram(io: Io, outcome: Outcome): Command {
  const program = new Command('claims')
    .description('Validate dental claim lines, store claims with exact net fees, and publish payment events.')
    .version(version)
    // Set before any subcommand is added, so every subcommand inherits it.
    .exitOverride()
    // Every subcommand's --help lists --db, --nats and the other global options too.
    .configureHelp({ showGlobalOptions: true })
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .showHelpAfterError('(add --help for usage)')
    .addOption(new Option('--db <path>', 'SQLite database file').env('CLAIMS_DB').default('./claims.db').argParser(nonEmpty))
    .addOption(new Option('--nats <url>', 'NATS server(s), comma-separated').env('NATS_URL'))
    .addOption(new Option('--nats-creds <file>', 'NATS credentials file').env('NATS_CREDS'))
    .addOption(
      // The default lives with the NATS code (src/events/connection.ts), which main.ts does not load.
      new Option('--nats-timeout <seconds>', 'longest wait for any one NATS answer: connect, PubAck, stream calls (default: 10)')
        .env('CLAIMS_NATS_TIMEOUT')
        .argParser(positiveSeconds),
    )
    .addOption(
      new Option('--log-level <level>', 'log level of the logs on stderr (default: info, warn with --quiet)')
        .env('CLAIMS_LOG_LEVEL')
        .choices(LOG_LEVELS),
    )
    .addOption(
      new Option('--log-format <format>', 'logs as JSON lines or one human line each (default: pretty on a terminal, else json)')
        .env('CLAIMS_LOG_FORMAT')
        .choices(LOG_FORMATS),
    )
    .option('-q, --quiet', 'no progress and no human summary: only warnings, errors and the data asked for', false)
    .addHelpText(
      'after',
      `
Examples:
  $ claims ingest fixtures/claim_1234.csv
  $ claims report top-providers --format json
  $ claims replay --nats nats://127.0.0.1:4222

Exit codes: 0 ok, 1 input refused or failure, 2 usage, 3 rows rejected, 4 events not published.`,
    )
    // Runs after every flag is parsed and before any command opens a file, like the other usage errors.
    .hook('preAction', (_program, command) => checkDateRange(command.opts()));

  /** Wraps a lazily loaded command so startup only pays for the command that runs. */
  const run =
    <A extends unknown[]>(load: (ctx: CommandContext, ...args: A) => Promise<number>) =>
    async (...args: [...A, Command]) => {
      const command = args[args.length - 1] as Command;
      const globals = command.optsWithGlobals() as GlobalOptions;
      const logFormat = globals.logFormat ?? defaultLogFormat(io.stderr);
      const colour = colourAllowed(io.env, io.stderr);
      const level = globals.logLevel ?? (globals.quiet ? 'warn' : 'info');
      outcome.ctx = { io, globals, log: createLogger({ level, format: logFormat, colour }, io.stderr), logFormat, colour };
      outcome.exitCode = await load(outcome.ctx, ...(args.slice(0, -1) as A));
    };

  const formatOption = () =>
    new Option('--format <format>', 'output format (default: table on a terminal, else csv)').choices(OUTPUT_FORMATS);

  program
    .command('ingest')
    .description('validate claim lines from CSV, JSON or NDJSON files (or stdin) and store the claims')
    .argument('[files...]', 'input files; - or none for stdin')
    .addOption(new Option('--input-format <format>', 'input format (default: from the extension; csv for stdin)').choices(INPUT_FORMATS))
    .option('--rules <file>', 'JSON file that sets rule severities and adds rules')
    .option('--rejects <file>', 'write rejected rows to this CSV (original columns + _row, _errors)')
    .option('--max-errors <n>', 'refuse an input when more than n rows are rejected', nonNegativeInt)
    .option('--dry-run', 'validate and report without writing anything', false)
    .addOption(formatOption())
    .addHelpText(
      'after',
      `
Examples:
  $ claims ingest fixtures/claim_1234.csv
  $ claims ingest export.json --rejects rejected.csv --max-errors 100
  $ cat lines.ndjson | claims ingest --input-format ndjson --format json`,
    )
    // Bad NATS settings are a usage error, found before ingest opens (or creates) the database.
    .hook('preAction', async (command) => {
      const globals = command.optsWithGlobals() as GlobalOptions;
      if (globals.nats) (await import('../events/connection.js')).natsSettings(globals);
    })
    .action(run(async (ctx, files: string[], options) => (await import('./ingest.js')).ingestCommand(ctx, files, options)));

  program
    .command('replay')
    .description('publish outbox events not yet acknowledged, or move dead letters back (--dlq)')
    .option('--dlq', 'move dead letters from CLAIMS_DLQ back to their payment subjects', false)
    .option('--limit <n>', 'handle at most n events', positiveInt)
    .option('--dry-run', 'list what would be published without publishing', false)
    .option('--events', 'one record per event (or dead letter) instead of the summary record', false)
    .addOption(formatOption())
    .addHelpText(
      'after',
      `
Examples:
  $ claims replay --nats nats://127.0.0.1:4222
  $ claims replay --dry-run --format json
  $ claims replay --events --format ndjson --nats nats://127.0.0.1:4222
  $ claims replay --dlq --limit 100 --nats nats://127.0.0.1:4222`,
    )
    .action(run(async (ctx, options) => (await import('./replay.js')).replayCommand(ctx, options)));

  program
    .command('list')
    .description('list stored claims (or their lines with --lines)')
    .option('--lines', 'one row per claim line', false)
    .option('--provider <npi>', 'only this provider NPI')
    .option('--procedure <code>', 'only claims with a line of this procedure (or only those lines)')
    .option('--from <date>', FROM_HELP, dateFlag)
    .option('--to <date>', TO_HELP, dateFlag)
    .option('--claim <id>', 'only this claim id or claim number')
    .option('--limit <n>', 'at most n rows', positiveInt)
    .option('--offset <n>', 'skip the first n rows', nonNegativeInt)
    .addOption(formatOption())
    .addHelpText(
      'after',
      `
Examples:
  $ claims list --provider 1497775530 --from 2018-01-01 --format json
  $ claims list --lines --procedure D4211 --limit 50`,
    )
    .action(run(async (ctx, options) => (await import('./list.js')).listCommand(ctx, options)));

  const report = program
    .command('report')
    .description('reports over stored claims: top-providers, summary, rejections')
    .addHelpText('after', '\nExamples:\n  $ claims report top-providers --limit 5\n  $ claims report summary --format json');

  report
    .command('top-providers')
    .description('providers ranked by total net fee')
    .option('--limit <n>', 'number of providers', positiveInt, 10)
    .option('--from <date>', FROM_HELP, dateFlag)
    .option('--to <date>', TO_HELP, dateFlag)
    .addOption(formatOption())
    .addHelpText('after', '\nExample:\n  $ claims report top-providers --limit 3 --format json')
    .action(run(async (ctx, options) => (await import('./report.js')).topProvidersCommand(ctx, options)));

  report
    .command('summary')
    .description('claims, lines, providers, net fee, rejections, runs and event delivery')
    .addOption(formatOption())
    .addHelpText('after', '\nExample:\n  $ claims report summary --format json')
    .action(run(async (ctx, options) => (await import('./report.js')).summaryCommand(ctx, options)));

  report
    .command('rejections')
    .description('rejected rows with their errors')
    .option('--run <id>', 'only this ingest run (ids: claims runs)', positiveInt)
    .option('--limit <n>', 'at most n rejected rows', positiveInt)
    .addOption(formatOption())
    .addHelpText(
      'after',
      '\nExamples:\n  $ claims report rejections --run 3 --format csv > rejected.csv\n  $ claims report rejections --limit 20',
    )
    .action(run(async (ctx, options) => (await import('./report.js')).rejectionsCommand(ctx, options)));

  program
    .command('runs')
    .description('ingest runs, newest first: counts of rows, claims and events, and errors')
    .addOption(new Option('--status <status>', 'only runs with this status').choices(RUN_STATUSES))
    .option('--limit <n>', 'at most n runs', positiveInt)
    .addOption(formatOption())
    .addHelpText(
      'after',
      `
Examples:
  $ claims runs --limit 5
  $ claims runs --status refused --format json`,
    )
    .action(run(async (ctx, options) => (await import('./runs.js')).runsCommand(ctx, options)));

  program
    .command('rules')
    .description('list the validation rules and their severities')
    .option('--rules <file>', 'show the severities as this rules file sets them')
    .addOption(formatOption())
    .addHelpText('after', '\nExamples:\n  $ claims rules\n  $ claims rules --rules strict.json --format json')
    .action(run(async (ctx, options) => (await import('./rules.js')).rulesCommand(ctx, options)));

  program
    .command('completion')
    .description('print a shell completion script')
    .addArgument(new Argument('<shell>', 'shell to complete for').choices(SHELLS))
    .addHelpText(
      'after',
      `
Examples:
  $ claims completion bash > ~/.local/share/bash-completion/completions/claims
  $ claims completion zsh > "\${fpath[1]}/_claims"
  $ source <(claims completion bash)`,
    )
    .action(async (shell: (typeof SHELLS)[number]) => {
      io.stdout.write((await import('./completion.js')).completionScript(program, shell));
    });

  // commander's own help command shows only the first word's help; this one follows every word.
  program
    .command('help')
    .description('show the help of a command')
    .argument('[command...]', 'command words, e.g. report summary')
    .addHelpText('after', '\nExample:\n  $ claims help report summary')
    .action((words: string[]) => {
      let command = program;
      for (const word of words) {
        const sub = command.commands.find((c) => c.name() === word || c.aliases().includes(word));
        if (!sub) throw new UsageError(`no such command: claims ${words.join(' ')} (see claims --help)`);
        command = sub;
      }
      command.outputHelp();
    });

  return program;
}

const SHELLS = ['bash', 'zsh'] as const;

/** An empty path (`CLAIMS_DB=` in a crontab) is a mistake, not the current directory. */
function nonEmpty(value: string): string {
  if (value.trim() === '') throw new InvalidArgumentError('must not be empty');
  return value;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1) throw new InvalidArgumentError('must be a whole number of at least 1');
  return n;
}

function positiveSeconds(value: string): number {
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || n <= 0) throw new InvalidArgumentError('must be a number of seconds above 0');
  return n;
}

function nonNegativeInt(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('must be a whole number');
  return Number(value);
}

const FROM_HELP = 'service date on or after (YYYY-MM-DD, M/D/YYYY or M/D/YY)';
const TO_HELP = 'service date on or before (YYYY-MM-DD, M/D/YYYY or M/D/YY)';

/** Date flags take what input dates take, normalised to YYYY-MM-DD, so they compare with stored dates. */
function dateFlag(value: string): string {
  const parsed = parseServiceDate(value);
  if (!parsed.ok) throw new InvalidArgumentError(`${parsed.message}`);
  return parsed.value;
}

function checkDateRange({ from, to }: { from?: string; to?: string }): void {
  if (from !== undefined && to !== undefined && to < from) {
    throw new UsageError(`--to ${to} is before --from ${from}: no service date can match`);
  }
}
