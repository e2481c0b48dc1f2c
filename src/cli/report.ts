import { formatCents } from '../domain/money.js';
import { NatsUnavailableError } from '../errors.js';
import { describeIssues } from '../ingest/rejects.js';
import { defaultFormat, withMoney, writeRecords, type OutputRecord } from '../output/records.js';
import type { RejectionsOptions, SummaryOptions, TopProvidersOptions } from './commands/report.js';
import type { CommandContext } from './context.js';
import { SUCCESS, type Outcome } from './exit.js';
import { withReportTotals, withStorage } from './storage.js';

export async function topProvidersCommand(ctx: CommandContext, options: TopProvidersOptions): Promise<Outcome> {
  await withReportTotals(ctx, async (totals) => {
    const records = (await totals.topProviders(options)).map((p, index) => ({
      rank: index + 1,
      provider_npi: p.provider_npi,
      net_fee_cents: p.net_fee_cents,
      net_fee: formatCents(p.net_fee_cents),
      claims: p.claims,
      lines: p.lines,
    }));
    writeRecords(records, options.format ?? defaultFormat(ctx.io.stdout), ctx.io.stdout, { columns: TOP_PROVIDER_COLUMNS });
  });
  return SUCCESS;
}

/** The keys of a top-providers record, for the header of an empty report. */
const TOP_PROVIDER_COLUMNS = ['rank', 'provider_npi', 'net_fee_cents', 'net_fee', 'claims', 'lines'];
/** The keys of a rejection record, likewise. */
const REJECTION_COLUMNS = ['run_id', 'source', 'source_row', 'errors', 'values'];

/**
 * With NATS configured, `dlq_depth` tells a monitor how many dead letters wait. NATS unreachable:
 * the rest is still printed, dlq_depth is null, and the exit code is 4 so the monitor alerts.
 * No NATS configured: dlq_depth is null too, so the record has the same keys either way.
 */
export async function summaryCommand(ctx: CommandContext, options: SummaryOptions): Promise<Outcome> {
  // The NATS client is loaded only when NATS is configured.
  const nats = ctx.globals.nats ? await natsModules() : null;
  const settings = nats?.natsSettings(ctx.globals) ?? null;
  const record: OutputRecord = await withReportTotals(ctx, async (totals) => withMoney({ ...(await totals.totals()), dlq_depth: null }));
  let outcome = SUCCESS;
  if (nats && settings) {
    try {
      record.dlq_depth = await nats.withNatsSession(settings, ctx.log, (session) => nats.deadLetterDepth(session.jsm));
    } catch (error) {
      if (!(error instanceof NatsUnavailableError)) throw error;
      ctx.log.warn(`${error.message}; dlq_depth unknown`);
      outcome = { eventsUnpublished: true };
    }
  }
  writeRecords([record], options.format ?? defaultFormat(ctx.io.stdout), ctx.io.stdout, { single: true });
  return outcome;
}

async function natsModules() {
  const [settings, connection, streams] = await Promise.all([
    import('../events/settings.js'),
    import('../events/connection.js'),
    import('../events/streams.js'),
  ]);
  return { ...settings, ...connection, ...streams };
}

export async function rejectionsCommand(ctx: CommandContext, options: RejectionsOptions): Promise<Outcome> {
  await withStorage(ctx, async (storage) => {
    const format = options.format ?? defaultFormat(ctx.io.stdout);
    const structured = format === 'json' || format === 'ndjson';
    const records = (await storage.reports().listRejections(options)).map((r) => ({
      run_id: r.run_id,
      source: r.source,
      source_row: r.row,
      // Scripts get the errors and values as data; CSV and tables get them readable in one cell.
      errors: structured ? r.errors : describeIssues(r.errors),
      values: structured ? r.values : JSON.stringify(r.values),
    }));
    writeRecords(records, format, ctx.io.stdout, { columns: REJECTION_COLUMNS });
  });
  return SUCCESS;
}
