import { and, eq, ne, not, sql } from 'drizzle-orm';
import { RunTakenOverError } from '../errors.js';
import type { BatchResult, DuplicateLookup, RejectionToStore, RunCounts, StoredCounts } from '../ingest/ports.js';
import { CLAIM_COLUMNS, LINE_COUNT_AT, LINE_WIDTH, NET_FEE_AT, type EncodedClaims } from './claim-batch.js';
import { accepted } from './claim-filters.js';
import type { Db } from './client.js';
import { LINE_STORED_COLUMNS } from './line-columns.js';
import { addAcceptedRun } from './report-totals.js';
import { discardRun, HEARTBEAT_MS, LEASE_MS, renewLease, runOwner } from './runs.js';
import { claims, outbox, rejections, runs } from './schema.js';

const p = (name: string) => sql.placeholder(name);

/** A new claim: its encoded values (claim-batch.ts), then its run. */
const INSERT_CLAIM = `insert into claims (${CLAIM_COLUMNS.join(', ')}, run_id)
  values (${Array(CLAIM_COLUMNS.length + 1).fill('?').join(', ')}) on conflict do nothing`;
/** Values per stored line: its claim and index in it, then its encoded values (its input row and stored fields, line-columns.ts). */
const LINE_PARAMS = 2 + LINE_WIDTH;
/**
 * Lines are inserted this many to a statement: one row per statement spent more in binding and
 * stepping each than SQLite spends storing it (the writer's batches of a 1M-line run replayed alone:
 * 0.8-0.9x the CPU with 32 to 128 rows a statement). The lines left at a batch's end go one by one.
 */
const LINES_PER_INSERT = 64;
const insertLines = (rows: number) => `insert into claim_lines (claim_pk, line_index, source_row, ${LINE_STORED_COLUMNS.join(', ')})
  values ${Array(rows).fill(`(${Array(LINE_PARAMS).fill('?').join(', ')})`).join(', ')}`;
/**
 * A pending event for each claim of a run being accepted, in key order. None of them has one yet (a
 * claim gets its event only here, and a rerun takes a claim over only without one, dropping the
 * staged one an older claims may have left), so a broken database fails the acceptance on the
 * outbox's unique claim key rather than passing unnoticed.
 */
const ADD_EVENTS = `insert into outbox (claim_pk, run_id, status) select id, run_id, 'pending' from claims where run_id = ? order by id`;
/**
 * An accepted run's claims by provider (schema.ts, provider_claims): sorted first, so the insert
 * walks the table once. One already there was set back to staged by hand and accepted again.
 */
const ADD_PROVIDER_CLAIMS = `insert into provider_claims (provider_npi, service_date, claim_pk)
  select c.provider_npi, c.service_date, c.id from claims c
  where c.run_id = ? order by 1, 2, 3 on conflict do nothing`;
/** The page cache while a run is accepted, in SQLite's negative-KiB form: 2 MB. */
const ACCEPTANCE_CACHE_KIB = -2000;
/**
 * How long uncommitted batches wait for the next: longer than a batch takes to read at any
 * reasonable speed, short enough that an input that pauses (a slow pipe) does not keep others waiting.
 */
const IDLE_COMMIT_MS = 2_000;

/**
 * Everything an ingest writes to SQLite, as prepared statements run in large IMMEDIATE transactions:
 * the write lock is taken up front, so concurrent processes queue on the busy timeout instead of
 * failing half way, and a killed process leaves whole batches only. A transaction takes several
 * batches when the pipeline says more follow: a run's claims are discarded whole
 * if it is not accepted anyway, and each commit rewrites every index page the claims touched. The
 * per-claim and per-line statements are better-sqlite3's own with positional parameters, bound from
 * the batch's encoded values: drizzle's mapping of named placeholders costs more per row than
 * SQLite's insert itself. It serves the ingest sink (ThreadedIngest), in the main thread for a run's
 * first batch and in the writer thread after it.
 */
export class IngestStore {
  private readonly insertClaim;
  private readonly insertLine;
  private readonly insertLineChunk;
  private readonly addEvents;
  private readonly addProviderClaims;
  private readonly adoptClaim;
  private readonly dropStagedEvent;
  private readonly upsertRejection;
  /** Parameter arrays reused for every claim and line. */
  private readonly claimParams: unknown[] = Array(CLAIM_COLUMNS.length + 1);
  private readonly lineParams: unknown[] = Array(LINE_PARAMS);
  /** The lines waiting for a full insertLineChunk, and how many values of it are filled. */
  private readonly lineChunk: unknown[] = Array(LINES_PER_INSERT * LINE_PARAMS);
  private lineChunkFilled = 0;
  private heartbeat: NodeJS.Timeout | null = null;
  /** Commits batches left uncommitted when no batch follows them soon. */
  private idleCommit: NodeJS.Timeout | null = null;

  constructor(private readonly db: Db) {
    this.insertClaim = db.$client.prepare(INSERT_CLAIM);
    this.insertLine = db.$client.prepare(insertLines(1));
    this.insertLineChunk = db.$client.prepare(insertLines(LINES_PER_INSERT));
    this.addEvents = db.$client.prepare(ADD_EVENTS);
    this.addProviderClaims = db.$client.prepare(ADD_PROVIDER_CLAIMS);
    // A claim of another run that is still unaccepted (killed, or still reading): that run may yet be
    // discarded, so this run takes the claim over instead of calling it a duplicate.
    this.adoptClaim = db
      .update(claims)
      .set({ runId: sql`${p('runId')}` })
      .where(and(eq(claims.claimId, p('claimId')), ne(claims.runId, p('runId')), not(accepted({ claims, outbox }))))
      .returning({ claimPk: claims.id })
      .prepare();
    // The event an older claims staged for a claim taken over: this run writes its own when accepted.
    this.dropStagedEvent = db
      .delete(outbox)
      .where(and(eq(outbox.claimPk, p('claimPk')), eq(outbox.status, 'staged')))
      .prepare();
    // The same bad row met again (a rerun) is recorded once, under the first run that met it, unless
    // that run is unaccepted: then it moves here, so discarding that run does not lose it.
    this.upsertRejection = db
      .insert(rejections)
      .values({
        fingerprint: p('fingerprint'),
        runId: p('runId'),
        source: p('source'),
        row: p('row'),
        values: sql`${p('values')}`,
        errors: sql`${p('errors')}`,
      })
      .onConflictDoUpdate({
        target: rejections.fingerprint,
        set: { runId: sql`excluded.run_id` },
        setWhere: sql`${rejections.runId} in (select ${runs.id} from ${runs} where ${runs.status} = 'running')`,
      })
      .prepare();
  }

  /** Records the run and keeps its lease renewed until it is settled. */
  startRun(source: string, inputFormat: string, startedAt: string): number {
    const [run] = this.db
      .insert(runs)
      .values({ source, inputFormat, status: 'running', startedAt, ...runOwner(), leaseExpiresAt: Date.now() + LEASE_MS })
      .returning({ id: runs.id })
      .all();
    this.keepAlive(run!.id);
    return run!.id;
  }

  /** Renews the lease of a run this process started, on this store's connection, until it is settled or another store goes on with it. */
  keepAlive(runId: number): void {
    this.stopRenewing();
    this.heartbeat = setInterval(() => {
      try {
        renewLease(this.db, runId, Date.now());
      } catch {
        // Lost or busy: the next batch commit renews it too, and reports a lost run.
      }
    }, HEARTBEAT_MS).unref();
  }

  /**
   * Stores a batch whole or not at all: what it stored, and how many of its claims were duplicates
   * (already stored by an accepted run, or earlier in this one). With `commit` false the transaction
   * stays open for the next batch, and is committed by itself if none comes within IDLE_COMMIT_MS.
   */
  writeBatch(runId: number, encoded: EncodedClaims, toReject: readonly RejectionToStore[], commit: boolean): BatchResult {
    this.cancelIdleCommit();
    const client = this.db.$client;
    let result: BatchResult;
    try {
      if (!client.inTransaction) {
        client.exec('begin immediate');
        // Once per transaction: while it holds the write lock, no other process can declare the run dead.
        renewLease(this.db, runId, Date.now());
      }
      // Stored whole or not at all: a failure rolls back the open transaction, and the run is abandoned.
      result = this.storeBatch(runId, encoded, toReject);
      if (commit) client.exec('commit');
    } catch (error) {
      this.rollBackOpen();
      throw error;
    }
    if (!commit) this.idleCommit = setTimeout(() => this.commitOpen(), IDLE_COMMIT_MS).unref();
    return result;
  }

  /** Called inside the open transaction (writeBatch begins one when none is): no transaction of its own. */
  private storeBatch(runId: number, encoded: EncodedClaims, toReject: readonly RejectionToStore[]): BatchResult {
    // A batch that failed part way left lines here: they were rolled back with it.
    this.lineChunkFilled = 0;
    const result: BatchResult = { claimsStored: 0, linesStored: 0, netFeeCents: 0, duplicates: 0 };
    for (let at = 0; at < encoded.length; ) {
      const lineCount = encoded[at + LINE_COUNT_AT] as number;
      if (this.storeClaim(runId, encoded, at)) {
        result.claimsStored++;
        result.linesStored += lineCount;
        result.netFeeCents += encoded[at + NET_FEE_AT] as number;
      } else result.duplicates++;
      at += CLAIM_COLUMNS.length + lineCount * LINE_WIDTH;
    }
    this.flushLines();
    for (const rejection of toReject) {
      this.upsertRejection.run({
        ...rejection,
        runId,
        values: JSON.stringify(rejection.values),
        errors: JSON.stringify(rejection.errors),
      });
    }
    return result;
  }

  /**
   * `work` in the transaction the batches left open, or else in one of its own. Not a savepoint in
   * the open one: a failure rolls all of it back anyway (rollBackOpen, then the run is abandoned),
   * and a savepoint first copies every page it changes to a statement journal (16 % of an ingest's
   * samples at 1M lines when each batch was one: its claims touch index pages all over).
   */
  private transaction<T>(work: () => T): T {
    const client = this.db.$client;
    return client.inTransaction ? work() : client.transaction(work).immediate();
  }

  /** The claim encoded at `at`. False when it is a duplicate. Its event is written when the run is accepted. */
  private storeClaim(runId: number, encoded: EncodedClaims, at: number): boolean {
    const claimParams = this.claimParams;
    for (let i = 0; i < CLAIM_COLUMNS.length; i++) claimParams[i] = encoded[at + i];
    claimParams[CLAIM_COLUMNS.length] = runId;
    const inserted = this.insertClaim.run(...claimParams);
    if (inserted.changes === 0) {
      const adopted = this.adoptClaim.get({ claimId: encoded[at] as string, runId });
      if (adopted === undefined) return false;
      this.dropStagedEvent.run({ claimPk: adopted.claimPk });
      return true;
    }
    const lineCount = encoded[at + LINE_COUNT_AT] as number;
    const chunk = this.lineChunk;
    let filled = this.lineChunkFilled;
    let from = at + CLAIM_COLUMNS.length;
    for (let index = 1; index <= lineCount; index++, from += LINE_WIDTH) {
      chunk[filled++] = inserted.lastInsertRowid;
      chunk[filled++] = index;
      for (let i = 0; i < LINE_WIDTH; i++) chunk[filled++] = encoded[from + i];
      if (filled === chunk.length) {
        this.insertLineChunk.run(...chunk);
        filled = 0;
      }
    }
    this.lineChunkFilled = filled;
    return true;
  }

  /** Inserts the lines short of a full chunk, one by one. */
  private flushLines(): void {
    const params = this.lineParams;
    for (let at = 0; at < this.lineChunkFilled; at += LINE_PARAMS) {
      for (let i = 0; i < LINE_PARAMS; i++) params[i] = this.lineChunk[at + i];
      this.insertLine.run(...params);
    }
    this.lineChunkFilled = 0;
  }

  /**
   * The input was read to the end: its events become deliverable. Returns what the run holds now:
   * another run reading the same claims may have adopted some of them, which then count here as
   * duplicates, so every claim is counted stored by exactly one run.
   */
  acceptRun(runId: number, counts: RunCounts, finishedAt: string): StoredCounts {
    this.stopRenewing();
    this.cancelIdleCommit();
    const client = this.db.$client;
    // The acceptance groups and sorts all of the run's claims, in memory up to the page cache's
    // size: a small cache, emptied first, keeps the process's peak where the batches left it
    // (1M lines: 121 MiB with the writer's 8 MB cache kept, 111-114 MiB with this).
    const cacheSize = client.pragma('cache_size', { simple: true }) as number;
    client.pragma(`cache_size = ${ACCEPTANCE_CACHE_KIB}`);
    client.pragma('shrink_memory');
    try {
      const stored = this.acceptInTransaction(runId, counts, finishedAt);
      if (client.inTransaction) client.exec('commit');
      return stored;
    } catch (error) {
      this.rollBackOpen();
      throw error;
    } finally {
      client.pragma(`cache_size = ${cacheSize}`);
    }
  }

  /** Accepts the run in a transaction of its own, or with the batches still uncommitted. */
  private acceptInTransaction(runId: number, counts: RunCounts, finishedAt: string): StoredCounts {
    return this.transaction(
      () => {
        // Every claim the run holds: none is accepted while it runs.
        const stored = this.db
          .select({
            claimsStored: sql<number>`count(*)`.mapWith(Number),
            linesStored: sql<number>`coalesce(sum(${claims.lineCount}), 0)`.mapWith(Number),
            netFeeCents: sql<number>`coalesce(sum(${claims.netFeeCents}), 0)`.mapWith(Number),
          })
          .from(claims)
          .where(eq(claims.runId, runId))
          .get()!;
        const claimsDuplicate = counts.claimsDuplicate + counts.claimsStored - stored.claimsStored;
        const settled = this.db
          .update(runs)
          .set({ ...counts, ...stored, claimsDuplicate, status: 'completed', finishedAt, leaseExpiresAt: null })
          .where(and(eq(runs.id, runId), eq(runs.owner, runOwner().owner), eq(runs.status, 'running')))
          .run();
        if (settled.changes === 0) throw new RunTakenOverError(runId);
        const events = this.addEvents.run(runId).changes;
        addAcceptedRun(this.db.$client, runId, events);
        this.addProviderClaims.run(runId);
        return stored;
      },
    );
  }

  /**
   * The input was refused, or the command stopped before its end: whatever its batches wrote goes;
   * the run stays as a record of why.
   */
  abandonRun(runId: number, counts: RunCounts, status: 'refused' | 'interrupted', reason: string, finishedAt: string): void {
    this.stopRenewing();
    this.rollBackOpen();
    discardRun(this.db, runId, { ...counts, status, error: reason, finishedAt });
  }

  /**
   * Another connection (the writer thread's) goes on with the run: what this one left uncommitted is
   * committed, its lease renewals stop, and the page cache it filled is given back.
   */
  handOver(): void {
    this.cancelIdleCommit();
    if (this.db.$client.inTransaction) this.db.$client.exec('commit');
    this.stopRenewing();
    this.db.$client.pragma('shrink_memory');
  }

  /** Commits the batches of a run whose input has paused: its writes must not hold the lock while it waits. */
  private commitOpen(): void {
    this.idleCommit = null;
    try {
      if (this.db.$client.inTransaction) this.db.$client.exec('commit');
    } catch {
      // Left open: the next batch or the run's end commits it, or rolls it back and says why.
    }
  }

  /** Undoes the batches not yet committed: the run they belong to is being refused or has failed. */
  private rollBackOpen(): void {
    this.cancelIdleCommit();
    if (this.db.$client.inTransaction) this.db.$client.exec('rollback');
  }

  private cancelIdleCommit(): void {
    if (this.idleCommit) clearTimeout(this.idleCommit);
    this.idleCommit = null;
  }

  /** Another store goes on with the run (the writer thread's), or the process is closing it: no more renewals here. */
  stopRenewing(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
  }
}

/** A dry run asks only which claims are already stored (read-only: nothing is written). */
export class ClaimLookup implements DuplicateLookup {
  private readonly find;
  constructor(db: Db) {
    this.find = db
      .select({ claimId: claims.claimId })
      .from(claims)
      .where(eq(claims.claimId, p('claimId')))
      .prepare();
  }
  async storedAmong(claimIds: readonly string[]): Promise<ReadonlySet<string>> {
    return new Set(claimIds.filter((claimId) => this.find.get({ claimId }) !== undefined));
  }
}
