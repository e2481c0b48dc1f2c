import { createHash } from 'node:crypto';
import { buildClaim, claimIssues } from '../domain/claim.js';
import { AdjacentGrouper, claimKey } from '../domain/grouping.js';
import { validateRow, type RuleSet } from '../domain/rules.js';
import type { ClaimLine, Issue } from '../domain/types.js';
import type { ClaimToStore, DuplicateLookup, IngestStore, RejectionToStore, RunCounts } from '../db/ingest-store.js';
import { InputRefusedError, InterruptedError, type StopSignal } from '../errors.js';
import { RowNormaliser, type InputRow } from './normalise.js';
import { readRecords, type InputFormat } from './read.js';
import type { RejectsFile } from './rejects.js';

export interface IngestOptions {
  source: string;
  format: InputFormat;
  rules: RuleSet;
  /** YYYY-MM-DD; service dates after it are in the future. */
  today: string;
  maxErrors: number | null;
  dryRun: boolean;
}

export interface IngestDeps {
  stdin: NodeJS.ReadableStream;
  /** null on a dry run. */
  store: IngestStore | null;
  /** Finds already stored claims on a dry run; null when there is no database yet. */
  lookup: DuplicateLookup | null;
  rejectsFile: RejectsFile | null;
  /** After each committed batch and at the end, with the rows read so far. */
  onProgress?: (rowsRead: number) => void;
  /** Aborted (with the signal's name as reason) when the command is asked to stop. */
  stop?: AbortSignal;
}

export interface RowFinding {
  row: number;
  issues: Issue[];
}

export interface RunSummary extends RunCounts {
  runId: number | null;
  source: string;
  inputFormat: InputFormat;
  status: 'completed' | 'refused' | 'dry_run';
  warnings: number;
  error: string | null;
  /** The first few rejected rows and warnings, for the human summary. */
  sampleRejections: RowFinding[];
  sampleWarnings: RowFinding[];
}

interface ValidatedRow {
  input: InputRow;
  line: ClaimLine | null;
  errors: Issue[];
  warnings: Issue[];
  groupKey: string;
}

const now = () => new Date().toISOString();

/** Rows per transaction: large enough to amortise the commit, small enough to keep locks short. */
const ROWS_PER_TRANSACTION = 20_000;
const SAMPLE_SIZE = 10;

/**
 * One input through the pipeline: read → normalise → validate → group → persist.
 * Returns the run's summary; an input refused part way leaves nothing behind.
 */
export async function ingestInput(options: IngestOptions, deps: IngestDeps): Promise<RunSummary> {
  const { source } = options;
  const { store } = deps;
  const runId = store?.startRun(source, options.format, now()) ?? null;
  const summary: RunSummary = {
    runId,
    source,
    inputFormat: options.format,
    status: options.dryRun ? 'dry_run' : 'completed',
    rowsRead: 0,
    rowsRejected: 0,
    claimsStored: 0,
    claimsDuplicate: 0,
    claimsRejected: 0,
    linesStored: 0,
    netFeeCents: 0,
    warnings: 0,
    error: null,
    sampleRejections: [],
    sampleWarnings: [],
  };

  const normaliser = new RowNormaliser(source);
  const grouper = new AdjacentGrouper<ValidatedRow>((row) => row.groupKey);
  let toStore: ClaimToStore[] = [];
  let toReject: RejectionToStore[] = [];
  let pendingLines = 0;

  const validate = (input: InputRow): ValidatedRow => {
    const result = validateRow(input.fields, options.rules, options.today);
    // A row that could not be read as a row (broken JSON, not an object) has no fields to blame.
    const fieldIssues = input.structuralIssue && Object.keys(input.fields).length === 0 ? [] : result.issues;
    const issues = input.structuralIssue ? [input.structuralIssue, ...fieldIssues] : fieldIssues;
    return {
      input,
      line: input.structuralIssue ? null : result.line,
      errors: issues.filter((i) => i.severity === 'error'),
      warnings: issues.filter((i) => i.severity === 'warn'),
      groupKey: claimKey(result.key, normaliser.hasClaimNumber),
    };
  };

  const reject = (rows: ValidatedRow[], claimErrors: Issue[]) => {
    const firstBad = rows.find((r) => r.errors.length > 0)?.input.row;
    for (const row of rows) {
      const errors = [...row.errors, ...claimErrors];
      if (errors.length === 0) {
        errors.push({
          rule: 'claim_rejected',
          field: null,
          value: '',
          message: `another line of this claim was rejected (row ${firstBad})`,
          severity: 'error',
        });
      }
      const record = rejectionRecord(source, row.input, errors);
      toReject.push(record);
      deps.rejectsFile?.write(normaliser.columns ?? [], row.input, errors);
      if (summary.sampleRejections.length < SAMPLE_SIZE) summary.sampleRejections.push({ row: row.input.row, issues: errors });
    }
    summary.rowsRejected += rows.length;
    summary.claimsRejected++;
    if (options.maxErrors !== null && summary.rowsRejected > options.maxErrors) {
      throw new InputRefusedError(source, `more than ${options.maxErrors} rows rejected (--max-errors); nothing of it was kept`);
    }
  };

  const settle = (rows: ValidatedRow[]) => {
    for (const row of rows) {
      summary.warnings += row.warnings.length;
      if (row.warnings.length > 0 && summary.sampleWarnings.length < SAMPLE_SIZE) {
        summary.sampleWarnings.push({ row: row.input.row, issues: row.warnings });
      }
    }
    // If any row of a claim is rejected, the whole claim is: no partial claim is stored or paid.
    if (rows.some((r) => r.line === null)) return reject(rows, []);
    const lines = rows.map((r) => r.line!);
    const claimErrors = claimIssues(lines).filter((i) => i.severity === 'error');
    if (claimErrors.length > 0) return reject(rows, claimErrors);
    toStore.push({ claim: buildClaim(lines), rows: rows.map((r) => r.input.row) });
    pendingLines += lines.length;
  };

  const commit = () => {
    if (store && runId !== null) {
      const result = store.writeBatch(runId, toStore, toReject);
      summary.claimsDuplicate += result.duplicates;
      for (const claim of result.stored) count(summary, claim.lines.length, claim.net_fee_cents);
    } else {
      for (const { claim } of toStore) {
        if (deps.lookup?.isStored(claim.claim_id)) summary.claimsDuplicate++;
        else count(summary, claim.lines.length, claim.net_fee_cents);
      }
    }
    toStore = [];
    toReject = [];
    pendingLines = 0;
  };

  try {
    for await (const records of untilStopped(readRecords(source, options.format, deps.stdin), deps.stop)) {
      for (const record of records) {
        const input = normaliser.normalise(record);
        if (input === null) continue;
        summary.rowsRead++;
        const claimRows = grouper.push(validate(input));
        if (claimRows) settle(claimRows);
      }
      if (pendingLines + toReject.length >= ROWS_PER_TRANSACTION) commit();
      deps.onProgress?.(summary.rowsRead);
    }
    if (normaliser.columns === null) throw new InputRefusedError(source, 'no header row: the input is empty');
    const lastClaim = grouper.flush();
    if (lastClaim) settle(lastClaim);
    commit();
    deps.onProgress?.(summary.rowsRead);
    if (store && runId !== null) {
      const stored = store.acceptRun(runId, runCounts(summary), now());
      // Claims another run adopted meanwhile are stored, but by that run: here they are duplicates.
      summary.claimsDuplicate += summary.claimsStored - stored.claimsStored;
      Object.assign(summary, stored);
    }
    return summary;
  } catch (error) {
    if (store && runId !== null) {
      const [status, reason] =
        error instanceof InterruptedError
          ? (['interrupted', `stopped by ${error.signal} before the input was read to the end`] as const)
          : (['refused', (error as Error).message] as const);
      try {
        store.abandonRun(runId, runCounts(summary), status, reason, now());
      } catch {
        // The run stays 'running' with its events staged: the next command discards them.
      }
    }
    if (!(error instanceof InputRefusedError)) throw error;
    return { ...summary, status: 'refused', error: error.message, claimsStored: 0, linesStored: 0, netFeeCents: 0 };
  }
}

/**
 * The input's chunks until the command is asked to stop: a stop lands between batches (each batch is
 * one transaction, committed whole or not at all), and does not wait for a slow input's next chunk.
 */
async function* untilStopped<T>(source: AsyncIterable<T>, stop: AbortSignal | undefined): AsyncGenerator<T> {
  if (!stop) return yield* source;
  let fail = () => {};
  const stopped = new Promise<never>((_, reject) => {
    fail = () => reject(new InterruptedError(stop.reason as StopSignal));
  });
  stopped.catch(() => undefined);
  if (stop.aborted) fail();
  else stop.addEventListener('abort', fail, { once: true });
  const iterator = source[Symbol.asyncIterator]();
  let done = false;
  try {
    while (!done) {
      const next = await Promise.race([iterator.next(), stopped]);
      done = next.done ?? false;
      if (!done) yield next.value;
    }
  } finally {
    stop.removeEventListener('abort', fail);
    // Not awaited: after a stop, the input's pending read may never settle.
    if (!done) void iterator.return?.()?.catch(() => undefined);
  }
}

function count(summary: RunSummary, lines: number, netFeeCents: number): void {
  summary.claimsStored++;
  summary.linesStored += lines;
  summary.netFeeCents += netFeeCents;
}

function runCounts(summary: RunSummary): RunCounts {
  const { rowsRead, rowsRejected, claimsStored, claimsDuplicate, claimsRejected, linesStored, netFeeCents } = summary;
  return { rowsRead, rowsRejected, claimsStored, claimsDuplicate, claimsRejected, linesStored, netFeeCents };
}

function rejectionRecord(source: string, input: InputRow, issues: Issue[]): RejectionToStore {
  const errors = issues.map(({ rule, field, value, message }) => ({ rule, field, value, message }));
  const fingerprint = createHash('sha256')
    .update(JSON.stringify([source, input.row, input.values, errors]))
    .digest('hex');
  return { fingerprint, source, row: input.row, values: input.values, errors };
}
