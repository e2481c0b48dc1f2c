import { listRuns } from '../db/queries.js';
import { defaultFormat, withMoney, withMoneyColumns, writeRecords } from '../output/records.js';
import type { RunsOptions } from './commands/runs.js';
import type { CommandContext } from './context.js';
import { SUCCESS, type Outcome } from './exit.js';
import { withDb } from './with-db.js';

/** `claims runs`: every ingest run, newest first, so a run id can be found for `report rejections --run`. */
export async function runsCommand(ctx: CommandContext, options: RunsOptions): Promise<Outcome> {
  await withDb(ctx, (db) => {
    const { columns, rows } = listRuns(db, options);
    writeRecords(rows.map(withMoney), options.format ?? defaultFormat(ctx.io.stdout), ctx.io.stdout, { columns: withMoneyColumns(columns) });
  });
  return SUCCESS;
}
