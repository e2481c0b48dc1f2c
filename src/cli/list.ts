import { listClaims, listLines, type ClaimFilters } from '../db/queries.js';
import { openDb } from '../db/open.js';
import { EXIT } from '../errors.js';
import { createRecordWriter, defaultFormat, withMoney, type OutputFormat } from '../output/records.js';
import type { CommandContext } from './context.js';

export interface ListOptions extends ClaimFilters {
  lines: boolean;
  format?: OutputFormat;
}

export async function listCommand(ctx: CommandContext, options: ListOptions): Promise<number> {
  const db = openDb(ctx.globals.db, ctx.log);
  try {
    const rows = options.lines ? listLines(db, options) : listClaims(db, options);
    const writer = createRecordWriter(options.format ?? defaultFormat(ctx.io.stdout), ctx.io.stdout);
    for (const row of rows) writer.write(withMoney(row));
    writer.end();
  } finally {
    db.$client.close();
  }
  return EXIT.ok;
}
