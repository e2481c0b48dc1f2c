import { createRecordWriter, defaultFormat, withMoney, withMoneyColumns } from '../output/records.js';
import type { ListOptions } from './commands/list.js';
import { count, plural, type CommandContext } from './context.js';
import { SUCCESS, type Outcome } from './exit.js';
import { withStorage } from './storage.js';

/** The page size when the terminal does not say how tall it is. */
const DEFAULT_PAGE = 20;
/** Lines of a terminal that are not rows: the table's header and rule, the note, the next prompt. */
const PAGE_CHROME = 4;

export async function listCommand(ctx: CommandContext, options: ListOptions): Promise<Outcome> {
  await withStorage(ctx, async (storage) => {
    const reports = storage.reports();
    // A person at a terminal gets one screenful; a pipe or a file gets every row.
    const page = ctx.io.stdout.isTTY && options.limit === undefined ? pageSize(ctx.io.stdout.rows) : undefined;
    const filters = { ...options, limit: page ?? options.limit };
    const listing = options.lines ? reports.listLines(filters) : reports.listClaims(filters);
    const writer = createRecordWriter(options.format ?? defaultFormat(ctx.io.stdout), ctx.io.stdout, { columns: withMoneyColumns(listing.columns) });
    let shown = 0;
    for await (const rows of listing.pages) {
      for (const row of rows) writer.write(withMoney(row));
      shown += rows.length;
    }
    writer.end();
    if (page !== undefined) {
      const offset = options.offset ?? 0;
      const total = await (options.lines ? reports.countLines(options) : reports.countClaims(options));
      const more = total - offset - shown;
      if (more > 0) ctx.io.stderr.write(`${moreNote(shown, offset, more, options.lines)}\n`);
    }
  });
  return SUCCESS;
}

function pageSize(terminalRows: number | undefined): number {
  return terminalRows ? Math.max(1, terminalRows - PAGE_CHROME) : DEFAULT_PAGE;
}

function moreNote(shown: number, offset: number, more: number, lines: boolean): string {
  const what = lines ? 'line' : 'claim';
  // Short enough for an 80-column terminal.
  return `showing ${plural(shown, what)}, ${count(more)} more: --offset ${offset + shown} next, | less for all`;
}
