import { formatCents } from '../domain/money.js';
import type { RuleSet } from '../domain/rules.js';
import { InterruptedError, type StopSignal } from '../errors.js';
import { natsSettings } from '../events/settings.js';
import { IngestDelivery, NO_EVENTS, type IngestDeliveryOutcome } from '../events/ingest-delivery.js';
import type { EventCounts } from '../events/ports.js';
import { applyPublishingHeapFlags } from '../heap-flags.js';
import { ingestInputs, runLogFields, type IngestResult, type IngestVerdict } from '../ingest/ingest.js';
import type { RunSummary } from '../ingest/pipeline.js';
import type { RunEvents } from '../ingest/ports.js';
import { STDIN } from '../ingest/read.js';
import { describeIssues, RejectsFile } from '../ingest/rejects.js';
import { defaultFormat, writeRecords } from '../output/records.js';
import type { IngestOptions } from './commands/ingest.js';
import { count, money, note, plural, wantsProgress, type CommandContext } from './context.js';
import { deliveryNote } from './delivery-note.js';
import type { Outcome } from './exit.js';
import { loadRules } from './load-rules.js';
import { reportFailure } from './log.js';
import { startProgress } from './progress.js';
import { watchStopSignals } from './signals.js';
import { openStorage } from './storage.js';

export async function ingestCommand(ctx: CommandContext, files: string[], options: IngestOptions): Promise<Outcome> {
  const rules = await loadRules(options.rules);
  const sources = files.length > 0 ? files : [STDIN];
  const signals = watchStopSignals();
  try {
    return await ingestSources(ctx, sources, rules, options, signals.stop);
  } finally {
    signals.dispose();
  }
}

async function ingestSources(
  ctx: CommandContext,
  sources: string[],
  rules: RuleSet,
  options: IngestOptions,
  stop: AbortSignal,
): Promise<Outcome> {
  const storage = options.dryRun ? await openStorage(ctx, 'read-only') : await openStorage(ctx, 'create');
  let result: IngestResult<IngestDeliveryOutcome>;
  // Opened inside the try, so a failure to open one still closes those opened before it.
  let events: IngestDelivery | null = null;
  let rejectsFile: RejectsFile | null = null;
  let progress: Awaited<ReturnType<typeof startProgress>> | null = null;
  try {
    const sink = storage && !options.dryRun ? storage.ingestSink() : null;
    events = sink && storage ? await IngestDelivery.start(storage.outbox(), natsSettings(ctx.globals), ctx.log, stop) : null;
    rejectsFile = options.rejects ? new RejectsFile(options.rejects) : null;
    // Someone typing (or pasting) the lines needs to know how to end them, and no spinner over them.
    const typing = sources.includes(STDIN) && Boolean(ctx.io.stdin.isTTY);
    if (typing) note(ctx, 'claims: reading claim lines from the terminal; end with Ctrl-D (or give a file: claims ingest FILE)');
    progress = wantsProgress(ctx) && !typing ? await startProgress(ctx.io.stderr, { colour: ctx.colour }) : null;
    result = await ingestInputs({
      inputs: sources,
      inputFormat: options.inputFormat,
      rules,
      today: localDate(new Date()),
      maxErrors: options.maxErrors ?? null,
      batchRows: options.batchRows,
      stdin: ctx.io.stdin,
      storage: sink ? { sink } : { dryRun: { lookup: storage?.claimLookup() ?? null } },
      events: events && publishingFast(events),
      rejects: rejectsFile,
      stop,
      onInputStarted: (source, format) => ctx.log.debug({ source, input_format: format, dry_run: options.dryRun }, 'ingest started'),
      onProgress: (source, rows) => progress?.update(`${source}: ${count(rows)} rows`),
      onInputFinished: (summary) => logFinished(ctx, summary),
    });
    rejectsFile?.commit();
  } catch (error) {
    rejectsFile?.abort();
    // Nobody reads stdin any more; left open, it would keep the process waiting for input.
    if (error instanceof InterruptedError && 'destroy' in ctx.io.stdin) (ctx.io.stdin as { destroy(): void }).destroy();
    throw error;
  } finally {
    await events?.close();
    progress?.stop();
    await storage?.close();
  }

  const { runs: summaries, events: eventsOutcome } = result;
  // After the spinner is gone: a refusal shows even with -q; the rest is the human summary.
  for (const summary of summaries) {
    if (summary.status === 'refused') {
      const { error, ...counts } = runLogFields(summary);
      reportFailure(ctx, error ?? 'input refused', counts);
    }
    else note(ctx, humanSummary(summary));
  }
  const message = eventsOutcome ? deliveryMessage(eventsOutcome, summaries) : null;
  if (message) note(ctx, message);
  // No --format: on a terminal the human summary above is the output (a table would repeat it),
  // and with -q a success prints nothing at all.
  const format = options.format ?? (ctx.io.stdout.isTTY || ctx.globals.quiet ? null : defaultFormat(ctx.io.stdout));
  if (format) writeRecords(summaries.map((s) => summaryRecord(s, eventsOutcome?.countsFor(s) ?? NO_EVENTS)), format, ctx.io.stdout);
  // The claims are stored; a signal cut their publishing short, and the same command again finishes it.
  if (eventsOutcome?.interrupted) throw new InterruptedError(stop.reason as StopSignal);
  return outcomeOf(result.verdict);
}

/** Rejected rows need someone's attention: a warning, which -q keeps. A refusal is reported after the spinner. */
function logFinished(ctx: CommandContext, summary: RunSummary): void {
  if (summary.status === 'completed' && summary.rowsRejected > 0) {
    ctx.log.warn(runLogFields(summary), `ingest finished with rejected rows: see claims report rejections --run ${summary.runId}`);
  } else if (summary.status !== 'refused') {
    ctx.log.info(runLogFields(summary), 'ingest finished');
  }
}

/** The library's verdict as the outcome whose exit code src/cli/exit.ts decides. */
function outcomeOf(verdict: IngestVerdict): Outcome {
  return {
    inputRefused: verdict === 'input_refused',
    rowsRejected: verdict === 'rows_rejected',
    eventsUnpublished: verdict === 'events_unpublished',
  };
}

/** The human line about payment events. */
function deliveryMessage(outcome: IngestDeliveryOutcome, summaries: readonly RunSummary[]): string | null {
  if (!outcome.configured) {
    return summaries.some((s) => s.claimsStored > 0)
      ? 'payment events are pending in the outbox: deliver them with `claims replay --nats <url>`'
      : null;
  }
  const { published, duplicates, failed, waiting, stopped } = outcome;
  if (outcome.unavailable) {
    return `payment events not published (NATS unavailable); ${plural(waiting, 'event')} left to deliver: retry with \`claims replay\``;
  }
  return deliveryNote('payment events', { published, duplicates, failed, left: waiting, stopped }, { retryHint: true });
}

function localDate(now: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

function summaryRecord(s: RunSummary, events: EventCounts) {
  return {
    run_id: s.runId,
    source: s.source,
    input_format: s.inputFormat,
    status: s.status,
    rows_read: s.rowsRead,
    rows_rejected: s.rowsRejected,
    claims_stored: s.claimsStored,
    claims_duplicate: s.claimsDuplicate,
    claims_rejected: s.claimsRejected,
    lines_stored: s.linesStored,
    net_fee_cents: s.netFeeCents,
    net_fee: formatCents(s.netFeeCents),
    warnings: s.warnings,
    ...events,
    error: s.error,
  };
}

function humanSummary(s: RunSummary): string {
  const verb = s.status === 'dry_run' ? 'would store' : 'stored';
  const lines = [
    `${s.source}: ${plural(s.rowsRead, 'row')}; ${verb} ${plural(s.claimsStored, 'claim')} ` +
      `(${plural(s.linesStored, 'line')}, net fee ${money(s.netFeeCents)}); ` +
      `${plural(s.claimsDuplicate, 'duplicate claim')} skipped; ${plural(s.rowsRejected, 'row')} rejected` +
      (s.warnings > 0 ? `; ${plural(s.warnings, 'warning')}` : '') +
      (s.runId !== null ? ` [run ${s.runId}]` : ' [dry run: nothing written]'),
  ];
  for (const finding of s.sampleRejections) lines.push(`  rejected ${s.source} row ${finding.row}: ${describeIssues(finding.issues)}`);
  if (s.rowsRejected > s.sampleRejections.length && s.runId !== null) {
    lines.push(`  … see all with: claims report rejections --run ${s.runId}`);
  }
  for (const finding of s.sampleWarnings) lines.push(`  warning ${s.source} row ${finding.row}: ${describeIssues(finding.issues)}`);
  return lines.join('\n');
}

/** Each delivery with the heap set for publishing (heap-flags.ts), the ingest's flags again after it. */
function publishingFast(events: IngestDelivery): RunEvents<IngestDeliveryOutcome> {
  return {
    async deliver() {
      const restore = applyPublishingHeapFlags();
      try {
        await events.deliver();
      } finally {
        restore();
      }
    },
    outcome: (runs) => events.outcome(runs),
  };
}
