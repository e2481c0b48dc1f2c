import { defaultFormat, writeRecords } from '../output/records.js';
import type { CopyOptions } from './commands/copy.js';
import { note, plural, type CommandContext } from './context.js';
import { SUCCESS, type Outcome } from './exit.js';
import { copyToPostgres } from './storage.js';

/** `claims copy --to URL`: moves a SQLite database into PostgreSQL, then says how to use it. */
export async function copyCommand(ctx: CommandContext, options: CopyOptions): Promise<Outcome> {
  const { from, to, counts } = await copyToPostgres(ctx, options.to!);
  writeRecords([{ from, to, ...counts }], options.format ?? defaultFormat(ctx.io.stdout), ctx.io.stdout);
  note(
    ctx,
    `copied ${plural(counts.runs, 'run')}, ${plural(counts.claims, 'claim')} (${plural(counts.claim_lines, 'line')}), ` +
      `${plural(counts.rejections, 'rejected row')} and ${plural(counts.outbox, 'event')} into ${to}; use --db ${to} from now on`,
  );
  return SUCCESS;
}
