import { openExistingDb } from '../db/open.js';
import { listRuns } from '../db/queries.js';
import type { RunStatus } from '../db/run-statuses.js';
import { EXIT } from '../errors.js';
import { defaultFormat, withMoney, withMoneyColumns, writeRecords, type OutputFormat } from '../output/records.js';
import type { CommandContext } from './context.js';

export interface RunsOptions {
  status?: RunStatus;
  limit?: number;
  format?: OutputFormat;
}

/** `claims runs`: every ingest run, newest first, so a run id can be found for `report rejections --run`. */
export async function runsCommand(ctx: CommandContext, options: RunsOptions): Promise<number> {
  const db = openExistingDb(ctx.globals.db, ctx.log);
  try {
    const { columns, rows } = listRuns(db, options);
    writeRecords(rows.map(withMoney), options.format ?? defaultFormat(ctx.io.stdout), ctx.io.stdout, { columns: withMoneyColumns(columns) });
  } finally {
    db.$client.close();
  }
  return EXIT.ok;
}
