import { listRules } from '../domain/rules.js';
import { EXIT } from '../errors.js';
import { defaultFormat, writeRecords, type OutputFormat } from '../output/records.js';
import type { CommandContext } from './context.js';
import { loadRules } from './load-rules.js';

export async function rulesCommand(ctx: CommandContext, options: { rules?: string; format?: OutputFormat }): Promise<number> {
  const records = listRules(loadRules(options.rules)).map((rule) => ({
    name: rule.name,
    field: rule.field,
    severity: rule.severity,
    configurable: rule.configurable,
    builtin: rule.builtin,
    description: rule.description,
  }));
  writeRecords(records, options.format ?? defaultFormat(ctx.io.stdout), ctx.io.stdout);
  return EXIT.ok;
}
