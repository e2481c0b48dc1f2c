import { formatCents } from '../domain/money.js';
import { openDb, type Db } from '../db/open.js';
import { listRejections, topProviders, totals } from '../db/queries.js';
import { EXIT } from '../errors.js';
import { describeIssues } from '../ingest/rejects.js';
import { defaultFormat, withMoney, writeRecords, type OutputFormat, type OutputRecord } from '../output/records.js';
import type { CommandContext } from './context.js';

interface FormatOption {
  format?: OutputFormat;
}

async function withDb(ctx: CommandContext, report: (db: Db) => Promise<void> | void): Promise<number> {
  const db = openDb(ctx.globals.db);
  try {
    await report(db);
  } finally {
    db.$client.close();
  }
  return EXIT.ok;
}

export function topProvidersCommand(
  ctx: CommandContext,
  options: FormatOption & { limit: number; from?: string; to?: string },
): Promise<number> {
  return withDb(ctx, (db) => {
    const records = topProviders(db, options).map((p, index) => ({
      rank: index + 1,
      provider_npi: p.provider_npi,
      net_fee_cents: p.net_fee_cents,
      net_fee: formatCents(p.net_fee_cents),
      claims: p.claims,
      lines: p.lines,
    }));
    writeRecords(records, options.format ?? defaultFormat(ctx.io.stdout), ctx.io.stdout);
  });
}

export function summaryCommand(ctx: CommandContext, options: FormatOption): Promise<number> {
  return withDb(ctx, (db) => {
    const record: OutputRecord = withMoney({ ...totals(db) });
    writeRecords([record], options.format ?? defaultFormat(ctx.io.stdout), ctx.io.stdout, { single: true });
  });
}

export function rejectionsCommand(ctx: CommandContext, options: FormatOption & { run?: number }): Promise<number> {
  return withDb(ctx, (db) => {
    const format = options.format ?? defaultFormat(ctx.io.stdout);
    const structured = format === 'json' || format === 'ndjson';
    const records = listRejections(db, options).map((r) => ({
      run_id: r.run_id,
      source: r.source,
      row: r.row,
      // Scripts get the errors and values as data; CSV and tables get them readable in one cell.
      errors: structured ? r.errors : describeIssues(r.errors),
      values: structured ? r.values : JSON.stringify(r.values),
    }));
    writeRecords(records, format, ctx.io.stdout);
  });
}
