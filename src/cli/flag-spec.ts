import { Option, type Command } from 'commander';

/**
 * One declared flag: commander's Option plus the type its value has once parsed. A command's
 * options type is derived from its table of flags (OptionsOf), so it cannot drift from them.
 */
export class Flag<T> {
  /** Type only: the value's type, carried for OptionsOf. */
  declare readonly value: T;
  constructor(readonly option: Option) {}

  /** The value when the flag is not given; the options type then has no `undefined`. */
  default(value: Exclude<T, undefined>): Flag<Exclude<T, undefined>> {
    this.option.default(value);
    return this as unknown as Flag<Exclude<T, undefined>>;
  }

  /** Also taken from this environment variable (from the env main() is given, not process.env). */
  env(name: string): this {
    this.option.env(name);
    return this;
  }
}

/** A switch: false unless given. */
export function booleanFlag(flags: string, description: string): Flag<boolean> {
  return new Flag(new Option(flags, description).default(false));
}

export function textFlag(flags: string, description: string): Flag<string | undefined> {
  return new Flag(new Option(flags, description));
}

export function parsedFlag<T>(flags: string, description: string, parse: (value: string) => T): Flag<T | undefined> {
  return new Flag(new Option(flags, description).argParser(parse));
}

export function choiceFlag<const C extends readonly string[]>(flags: string, description: string, choices: C): Flag<C[number] | undefined> {
  return new Flag(new Option(flags, description).choices(choices));
}

export type Flags = Record<string, Flag<unknown>>;

/** The options object a command's action receives, derived from its declared flags. */
export type OptionsOf<F extends Flags> = { [K in keyof F]: F[K]['value'] };

/** The values of the declared flags, read by each flag's own attribute name. */
export function optionsOf<F extends Flags>(command: Command, flags: F): OptionsOf<F> {
  const options: Record<string, unknown> = {};
  for (const [key, flag] of Object.entries(flags)) options[key] = command.getOptionValue(flag.option.attributeName());
  return options as OptionsOf<F>;
}
