import { createRequire } from 'node:module';
import type { EventEmitter } from 'node:events';
import { Command } from 'commander';
import { optionsOf, type CommandModule, type Runner } from './command.js';
import { completion } from './commands/completion.js';
import { help } from './commands/help.js';
import { ingest } from './commands/ingest.js';
import { list } from './commands/list.js';
import { replay } from './commands/replay.js';
import { report } from './commands/report.js';
import { rules } from './commands/rules.js';
import { runs } from './commands/runs.js';
import { copy } from './commands/copy.js';
import { processIo, type CommandContext, type Io } from './context.js';
import { exitCodeFor, failureOf } from './exit.js';
import { globalFlags } from './global-options.js';
import { colourAllowed, createLogger, defaultLogFormat, reportFailure } from './log.js';

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

/** The commands in the order --help lists them; each declares its own flags in ./commands/. */
const COMMANDS: CommandModule[] = [ingest, replay, list, report, runs, copy, rules, completion, help];

/** Runs one command line and returns the exit code (decided in ./exit.ts). */
export async function main(argv: string[], io: Io = processIo()): Promise<number> {
  let ctx: CommandContext | null = null;
  let exitCode = 0;
  const runner: Runner = async (command, work, { logs }) => {
    const globals = optionsOf(command.parent ? root(command) : command, globalFlags);
    const logFormat = globals.logFormat ?? defaultLogFormat(io.stderr);
    const colour = colourAllowed(io.env, io.stderr);
    const level = globals.logLevel ?? (globals.quiet ? 'warn' : 'info');
    const commandCtx = { io, globals, log: createLogger({ level, format: logFormat, colour }, io.stderr), logFormat, colour };
    if (logs) ctx = commandCtx;
    exitCode = exitCodeFor(await work(commandCtx));
  };
  try {
    await buildProgram(io, runner).parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    const failure = failureOf(error, (ctx as CommandContext | null)?.globals.db ?? 'the database');
    if (failure.message === null) return failure.exitCode;
    // Any stack trace is for --log-level debug only, not for the person who ran it.
    if (ctx) {
      reportFailure(ctx, failure.message);
      (ctx as CommandContext).log.debug({ stack: (error as Error).stack ?? String(error) }, 'stack of the failure');
    } else {
      io.stderr.write(`claims: ${failure.message}\n`);
    }
    return failure.exitCode;
  }
}

function root(command: Command): Command {
  return command.parent ? root(command.parent) : command;
}

function buildProgram(io: Io, runner: Runner): Command {
  const program = new EnvCommand('claims', io.env)
    .description('Validate dental claim lines, store claims with exact net fees, and publish payment events.')
    .version(version)
    // Set before any subcommand is added, so every subcommand inherits it.
    .exitOverride()
    // Every subcommand's --help lists --db, --nats and the other global options too.
    .configureHelp({ showGlobalOptions: true })
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .showHelpAfterError('(add --help for usage)');
  for (const flag of Object.values(globalFlags)) program.addOption(flag.option);
  program.addHelpText(
    'after',
    `
Examples:
  $ claims ingest fixtures/claim_1234.csv
  $ claims report top-providers --format json
  $ claims replay --nats nats://127.0.0.1:4222

Exit codes: 0 ok, 1 input refused or failure, 2 usage, 3 rows rejected, 4 events not published.`,
  );
  for (const command of COMMANDS) command.attach(program, runner);
  return program;
}

/**
 * commander reads `.env()` variables from process.env; this reads them from the env main() was
 * given, so a test (or an embedding program) sets CLAIMS_DB, NATS_URL and the rest per call.
 * Same rules as commander's own: a flag on the command line wins over the variable.
 */
class EnvCommand extends Command {
  constructor(
    name: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {
    super(name);
  }

  /** Replaces commander's (undocumented) step that applies environment variables to options. */
  _parseOptionsEnv(): void {
    for (const option of this.options) {
      const value = option.envVar === undefined ? undefined : this.env[option.envVar];
      if (value === undefined) continue;
      const key = option.attributeName();
      if (this.getOptionValue(key) !== undefined && !['default', 'config', 'env'].includes(this.getOptionValueSource(key) ?? '')) continue;
      // Boolean flags only care that the variable is set, as with commander.
      const events = this as unknown as EventEmitter;
      if (option.required || option.optional) events.emit(`optionEnv:${option.name()}`, value);
      else events.emit(`optionEnv:${option.name()}`);
    }
  }
}
