import { Argument, Command } from 'commander';
import type { CommandContext } from './context.js';
import type { Outcome } from './exit.js';
import { optionsOf, type Flags, type OptionsOf } from './flag-spec.js';

// Flags are declared apart from commands (global-options.ts needs them without the command context).
export * from './flag-spec.js';

/** A positional argument and the type commander hands the action for it. */
export class Operand<T> {
  declare readonly value: T;
  constructor(readonly argument: Argument) {}
}

/** Runs a command's work with its context (logger, io, global options) and keeps its outcome: main.ts gives it. */
export type Runner = (command: Command, work: (ctx: CommandContext) => Promise<Outcome>, how: { logs: boolean }) => Promise<void>;

export interface CommandSpec<F extends Flags, A> {
  name: string;
  description: string;
  argument?: Operand<A>;
  flags: F;
  /** Examples after the usage. */
  help: string;
  /** False for commands that only print text (help, completion): their failures are one plain line, no log entry. */
  logs?: boolean;
  /** Usage checks that run after every flag is parsed and before anything is opened. */
  check?: (options: OptionsOf<F>, command: Command) => void | Promise<void>;
  /** The work; modules with heavy imports (SQLite, NATS) load them here, so startup pays only for the command run. */
  run: (ctx: CommandContext, options: OptionsOf<F>, argument: A, command: Command) => Promise<Outcome>;
}

/** A command as main.ts assembles it: added under its parent, run through the runner. */
export interface CommandModule {
  name: string;
  attach(parent: Command, runner: Runner): Command;
}

export function defineCommand<F extends Flags, A = undefined>(spec: CommandSpec<F, A>): CommandModule {
  return {
    name: spec.name,
    attach(parent, runner) {
      // parent.command() (not addCommand) so the subcommand inherits exitOverride, output and help settings.
      const command = parent.command(spec.name).description(spec.description);
      if (spec.argument) command.addArgument(spec.argument.argument);
      for (const flag of Object.values(spec.flags)) command.addOption(flag.option);
      command.addHelpText('after', spec.help);
      const { check } = spec;
      if (check) command.hook('preAction', (_command, action) => check(optionsOf(action, spec.flags), action));
      command.action(async (...args: unknown[]) => {
        const action = args[args.length - 1] as Command;
        const argument = (spec.argument ? args[0] : undefined) as A;
        await runner(action, (ctx) => spec.run(ctx, optionsOf(action, spec.flags), argument, action), { logs: spec.logs ?? true });
      });
      return command;
    },
  };
}

/** A command word that only groups others (`claims report …`). */
export function defineGroup(spec: { name: string; description: string; help: string; commands: CommandModule[] }): CommandModule {
  return {
    name: spec.name,
    attach(parent, runner) {
      const group = parent.command(spec.name).description(spec.description).addHelpText('after', spec.help);
      for (const sub of spec.commands) sub.attach(group, runner);
      return group;
    },
  };
}
