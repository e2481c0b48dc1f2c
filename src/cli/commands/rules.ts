import { defineCommand, textFlag, type OptionsOf } from '../command.js';
import { formatFlag } from '../flags.js';

const flags = {
  rules: textFlag('--rules <file>', 'show the severities as this rules file sets them'),
  format: formatFlag(),
};

export type RulesOptions = OptionsOf<typeof flags>;

export const rules = defineCommand({
  name: 'rules',
  description: 'list the validation rules and their severities',
  flags,
  help: '\nExamples:\n  $ claims rules\n  $ claims rules --rules strict.json --format json',
  run: async (ctx, options) => (await import('../rules.js')).rulesCommand(ctx, options),
});
