import { formatCents } from '../domain/money.js';
import { DuplicateLookup, IngestStore } from '../db/ingest-store.js';
import type { EventCounts } from '../db/outbox-store.js';
import { openDb, openDbReadOnly, type Db } from '../db/open.js';
import { InterruptedError, type StopSignal } from '../errors.js';
import { ingestInput, type RunSummary } from '../ingest/pipeline.js';
import { inputFormatFor, STDIN } from '../ingest/read.js';
import { describeIssues, RejectsFile } from '../ingest/rejects.js';
import { defaultFormat, writeRecords } from '../output/records.js';
import type { IngestOptions } from './commands/ingest.js';
import { money, note, plural, wantsProgress, type CommandContext } from './context.js';
import type { Outcome } from './exit.js';
import { IngestEvents, NO_EVENTS, type IngestEventsOutcome } from './ingest-events.js';
import { loadRules } from './load-rules.js';
import { reportFailure } from './log.js';
import { startProgress } from './progress.js';

export async function ingestCommand(ctx: CommandContext, files: string[], options: IngestOptions): Promise<Outcome> {
  const rules = loadRules(options.rules);
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
  rules: ReturnType<typeof loadRules>,
  options: IngestOptions,
  stop: AbortSignal,
): Promise<Outcome> {
  const db: Db | null = options.dryRun ? openDbReadOnly(ctx.globals.db) : openDb(ctx.globals.db, ctx.log);
  const today = localDate(new Date());
  const summaries: RunSummary[] = [];
  let eventsOutcome: IngestEventsOutcome | null = null;
  // Opened inside the try, so a failure to open one still closes those opened before it.
  let events: IngestEvents | null = null;
  let rejectsFile: RejectsFile | null = null;
  let progress: Awaited<ReturnType<typeof startProgress>> | null = null;
  try {
    const store = db && !options.dryRun ? new IngestStore(db) : null;
    events = store && db ? await IngestEvents.start(ctx, db) : null;
    const lookup = db && options.dryRun ? safeLookup(db) : null;
    rejectsFile = options.rejects ? new RejectsFile(options.rejects) : null;
    // Someone typing (or pasting) the lines needs to know how to end them, and no spinner over them.
    const typing = sources.includes(STDIN) && Boolean(ctx.io.stdin.isTTY);
    if (typing) note(ctx, 'claims: reading claim lines from the terminal; end with Ctrl-D (or give a file: claims ingest FILE)');
    progress = wantsProgress(ctx) && !typing ? await startProgress(ctx.io.stderr, { colour: ctx.colour }) : null;
    for (const source of sources) {
      if (stop.aborted) throw new InterruptedError(stop.reason as StopSignal);
      const format = inputFormatFor(source, options.inputFormat);
      ctx.log.debug({ source, input_format: format, dry_run: options.dryRun }, 'ingest started');
      const summary = await ingestInput(
        { source, format, rules, today, maxErrors: options.maxErrors ?? null, dryRun: options.dryRun },
        {
          stdin: ctx.io.stdin,
          store,
          lookup,
          rejectsFile,
          stop,
          onProgress: (rows) => progress?.update(`${source}: ${rows.toLocaleString('en-US')} rows`),
        },
      );
      // Rejected rows need someone's attention: a warning, which -q keeps.
      if (summary.status === 'completed' && summary.rowsRejected > 0) {
        ctx.log.warn(logFields(summary), `ingest finished with rejected rows: see claims report rejections --run ${summary.runId}`);
      } else if (summary.status !== 'refused') {
        ctx.log.info(logFields(summary), 'ingest finished');
      }
      summaries.push(summary);
      // Only an accepted input's events are deliverable; publish them before reading the next input.
      if (summary.status === 'completed') await events?.drain();
    }
    eventsOutcome = events?.outcome(summaries) ?? null;
    rejectsFile?.commit();
  } catch (error) {
    rejectsFile?.abort();
    // Nobody reads stdin any more; left open, it would keep the process waiting for input.
    if (error instanceof InterruptedError && 'destroy' in ctx.io.stdin) (ctx.io.stdin as { destroy(): void }).destroy();
    throw error;
  } finally {
    await events?.close();
    progress?.stop();
    db?.$client.close();
  }

  // After the spinner is gone: a refusal shows even with -q; the rest is the human summary.
  for (const summary of summaries) {
    if (summary.status === 'refused') {
      const { error, ...counts } = logFields(summary);
      reportFailure(ctx, error ?? 'input refused', counts);
    }
    else note(ctx, humanSummary(summary));
  }
  if (eventsOutcome?.message) note(ctx, eventsOutcome.message);
  // No --format: on a terminal the human summary above is the output (a table would repeat it),
  // and with -q a success prints nothing at all.
  const format = options.format ?? (ctx.io.stdout.isTTY || ctx.globals.quiet ? null : defaultFormat(ctx.io.stdout));
  if (format) writeRecords(summaries.map((s) => summaryRecord(s, eventsOutcome?.countsFor(s) ?? NO_EVENTS)), format, ctx.io.stdout);
  return {
    inputRefused: summaries.some((s) => s.status === 'refused'),
    rowsRejected: summaries.some((s) => s.rowsRejected > 0),
    eventsUnpublished: eventsOutcome?.unpublished ?? false,
  };
}

/**
 * SIGINT, SIGTERM and SIGHUP ask the ingest to stop after the batch in hand (its run is then rolled
 * back and marked interrupted); a second signal ends the process at once, as it would have without us.
 */
function watchStopSignals(): { stop: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const names: StopSignal[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  const dispose = () => {
    for (const name of names) process.off(name, onSignal);
  };
  const onSignal = (name: StopSignal) => {
    if (!controller.signal.aborted) return controller.abort(name);
    dispose();
    process.kill(process.pid, name);
  };
  for (const name of names) process.on(name, onSignal);
  return { stop: controller.signal, dispose };
}

/** A database made before the tables existed has nothing to be a duplicate of. */
function safeLookup(db: Db): DuplicateLookup | null {
  try {
    return new DuplicateLookup(db);
  } catch {
    return null;
  }
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

/** Counts only: row values can hold subscriber numbers, which stay out of info-level logs. */
function logFields(s: RunSummary) {
  const { sampleRejections: _rejections, sampleWarnings: _warnings, ...counts } = s;
  return counts;
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
