import { Argument } from 'commander';
import { UsageError } from '../../errors.js';
import { defineCommand, Operand } from '../command.js';
import { SUCCESS } from '../exit.js';

/** commander's own help command shows only the first word's help; this one follows every word. */
export const help = defineCommand({
  name: 'help',
  description: 'show the help of a command',
  argument: new Operand<string[]>(new Argument('[command...]', 'command words, e.g. report summary')),
  flags: {},
  logs: false,
  help: '\nExample:\n  $ claims help report summary',
  run: async (_ctx, _options, words, command) => {
    let shown = command.parent!;
    for (const word of words) {
      const sub = shown.commands.find((c) => c.name() === word || c.aliases().includes(word));
      if (!sub) throw new UsageError(`no such command: claims ${words.join(' ')} (see claims --help)`);
      shown = sub;
    }
    shown.outputHelp();
    return SUCCESS;
  },
});
