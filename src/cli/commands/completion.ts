import { Argument } from 'commander';
import { defineCommand, Operand } from '../command.js';
import { SUCCESS } from '../exit.js';

const SHELLS = ['bash', 'zsh'] as const;

export const completion = defineCommand({
  name: 'completion',
  description: 'print a shell completion script',
  argument: new Operand<(typeof SHELLS)[number]>(new Argument('<shell>', 'shell to complete for').choices(SHELLS)),
  flags: {},
  logs: false,
  help: `
Examples:
  $ claims completion bash > ~/.local/share/bash-completion/completions/claims
  $ claims completion zsh > "\${fpath[1]}/_claims"
  $ source <(claims completion bash)`,
  run: async (ctx, _options, shell, command) => {
    ctx.io.stdout.write((await import('../completion.js')).completionScript(command.parent!, shell));
    return SUCCESS;
  },
});
