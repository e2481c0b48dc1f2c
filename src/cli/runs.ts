import { defaultFormat, withMoney, withMoneyColumns, writeRecords } from '../output/records.js';
import type { RunsOptions } from './commands/runs.js';
import type { CommandContext } from './context.js';
import { SUCCESS, type Outcome } from './exit.js';
import { withStorage } from './storage.js';

/** `claims runs`: every ingest run, newest first, so a run id can be found for `report rejections --run`. */
export async function runsCommand(ctx: CommandContext, options: RunsOptions): Promise<Outcome> {
  await withStorage(ctx, async (storage) => {
    const { columns, rows } = await storage.reports().listRuns(options);
    writeRecords(rows.map(withMoney), options.format ?? defaultFormat(ctx.io.stdout), ctx.io.stdout, { columns: withMoneyColumns(columns) });
  });
  return SUCCESS;
}
