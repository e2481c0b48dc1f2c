import { listRules } from '../domain/rules.js';
import { defaultFormat, writeRecords } from '../output/records.js';
import type { RulesOptions } from './commands/rules.js';
import type { CommandContext } from './context.js';
import { SUCCESS, type Outcome } from './exit.js';
import { loadRules } from './load-rules.js';

export async function rulesCommand(ctx: CommandContext, options: RulesOptions): Promise<Outcome> {
  const records = listRules(await loadRules(options.rules)).map((rule) => ({
    name: rule.name,
    field: rule.field,
    severity: rule.severity,
    configurable: rule.configurable,
    builtin: rule.builtin,
    description: rule.description,
  }));
  writeRecords(records, options.format ?? defaultFormat(ctx.io.stdout), ctx.io.stdout);
  return SUCCESS;
}
