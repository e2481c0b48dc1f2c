import type { RuleSet } from '../domain/rules.js';
import { InterruptedError, type StopSignal } from '../errors.js';
import { ingestInput, type IngestStorage, type RunSummary } from './pipeline.js';
import type { RejectsSink, RunEvents } from './ports.js';
import { inputFormatFor, type InputFormat } from './read.js';

export interface IngestInputsOptions<Events extends { unpublished: boolean }> {
  /** Paths, or STDIN ('-'). */
  inputs: readonly string[];
  /** Overrides the format each input's name implies. */
  inputFormat?: InputFormat;
  rules: RuleSet;
  /** YYYY-MM-DD; service dates after it are in the future. */
  today: string;
  maxErrors: number | null;
  /** Rows written per transaction; ROWS_PER_TRANSACTION when not given. */
  batchRows?: number;
  stdin: NodeJS.ReadableStream;
  storage: IngestStorage;
  /** Payment event delivery after each accepted input; none on a dry run. */
  events?: RunEvents<Events> | null;
  rejects?: RejectsSink | null;
  /** Aborted (with the signal's name as reason) to stop after the batch in hand. */
  stop?: AbortSignal;
  onInputStarted?: (input: string, format: InputFormat) => void;
  onProgress?: (input: string, rowsRead: number) => void;
  /** Each input's run as it ends, before its events are delivered. */
  onInputFinished?: (run: RunSummary) => void;
}

/** What decides the exit code, most serious first: a refused input, rejected rows, undelivered events. */
export type IngestVerdict = 'input_refused' | 'rows_rejected' | 'events_unpublished' | 'ok';

export interface IngestResult<Events> {
  runs: RunSummary[];
  /** Where the payment events stand; null without delivery (a dry run). */
  events: Events | null;
  verdict: IngestVerdict;
}

/**
 * Ingests each input in turn into one storage, as one run each, delivering an accepted input's
 * payment events before reading the next. A refused input does not stop the others; a stop does.
 */
export async function ingestInputs<Events extends { unpublished: boolean }>(
  options: IngestInputsOptions<Events>,
): Promise<IngestResult<Events>> {
  const { stop } = options;
  const runs: RunSummary[] = [];
  for (const source of options.inputs) {
    if (stop?.aborted) throw new InterruptedError(stop.reason as StopSignal);
    const format = inputFormatFor(source, options.inputFormat);
    options.onInputStarted?.(source, format);
    const run = await ingestInput(
      { source, format, rules: options.rules, today: options.today, maxErrors: options.maxErrors, batchRows: options.batchRows },
      {
        stdin: options.stdin,
        storage: options.storage,
        rejects: options.rejects ?? null,
        stop,
        onProgress: (rows) => options.onProgress?.(source, rows),
      },
    );
    options.onInputFinished?.(run);
    runs.push(run);
    // Only an accepted input's events are deliverable; publish them before reading the next input.
    if (run.status === 'completed') await options.events?.deliver();
  }
  const events = (await options.events?.outcome(runs)) ?? null;
  return { runs, events, verdict: verdict(runs, events?.unpublished ?? false) };
}

export function verdict(runs: readonly RunSummary[], eventsUnpublished: boolean): IngestVerdict {
  if (runs.some((r) => r.status === 'refused')) return 'input_refused';
  if (runs.some((r) => r.rowsRejected > 0)) return 'rows_rejected';
  if (eventsUnpublished) return 'events_unpublished';
  return 'ok';
}

/** Counts only: row values can hold subscriber numbers, which stay out of info-level logs. Run id first. */
export function runLogFields(run: RunSummary) {
  const { sampleRejections: _rejections, sampleWarnings: _warnings, ...counts } = run;
  return counts;
}
