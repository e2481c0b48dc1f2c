import { and, eq, exists, ne, sql } from 'drizzle-orm';
import type { Claim } from '../domain/types.js';
import { RunTakenOverError } from '../errors.js';
import type { BatchResult, ClaimToStore, DuplicateLookup, IngestSink, RejectionToStore, RunCounts, StoredCounts } from '../ingest/ports.js';
import type { Db } from './client.js';
import { LINE_STORED_COLUMNS, lineValuesInto } from './line-columns.js';
import { addAcceptedRun } from './report-totals.js';
import { discardRun, HEARTBEAT_MS, LEASE_MS, renewLease, runOwner } from './runs.js';
import { claims, outbox, rejections, runs } from './schema.js';

// The port's types, where the store's callers expect them.
export type { BatchResult, ClaimToStore, RejectionToStore, RunCounts, StoredCounts } from '../ingest/ports.js';

const p = (name: string) => sql.placeholder(name);

/** A new claim's values, in the order of INSERT_CLAIM's columns. */
const INSERT_CLAIM = `insert into claims (claim_id, run_id, claim_number, service_date, plan_group_number, subscriber_number,
  provider_npi, line_count, net_fee_cents) values (?, ?, ?, ?, ?, ?, ?, ?, ?) on conflict do nothing`;
/** A line's place (claim, index in it, input row), then its stored fields (line-columns.ts). */
const INSERT_LINE = `insert into claim_lines (claim_pk, line_index, source_row, ${LINE_STORED_COLUMNS.join(', ')})
  values (${Array(3 + LINE_STORED_COLUMNS.length).fill('?').join(', ')})`;
/** One staged event per claim the batch inserted: their keys follow the largest key before it. */
const STAGE_EVENTS = `insert into outbox (claim_pk, run_id, status) select id, ?, 'staged' from claims where id > ? order by id`;
const LAST_CLAIM_PK = 'select coalesce(max(id), 0) from claims';
/**
 * How long uncommitted batches wait for the next: longer than a batch takes to read at any
 * reasonable speed, short enough that an input that pauses (a slow pipe) does not keep others waiting.
 */
const IDLE_COMMIT_MS = 2_000;

/**
 * The ingest sink in SQLite. Everything an ingest writes, as prepared statements run in large IMMEDIATE transactions:
 * the write lock is taken up front, so concurrent processes queue on the busy timeout instead of
 * failing half way, and a killed process leaves whole batches only. A transaction takes several
 * batches (each a savepoint) when the pipeline says more follow: a run's claims are discarded whole
 * if it is not accepted anyway, and each commit rewrites every index page the claims touched. The per-claim and per-line
 * statements are better-sqlite3's own with positional parameters: drizzle's mapping of named
 * placeholders costs more per row than SQLite's insert itself.
 */
export class IngestStore implements IngestSink {
  private readonly insertClaim;
  private readonly insertLine;
  private readonly stageEvents;
  private readonly lastClaimPk;
  private readonly adoptClaim;
  private readonly adoptEvent;
  private readonly upsertRejection;
  /** One parameter array reused for every line. */
  private readonly lineParams: unknown[] = Array(3 + LINE_STORED_COLUMNS.length);
  private heartbeat: NodeJS.Timeout | null = null;
  /** Commits batches left uncommitted when no batch follows them soon. */
  private idleCommit: NodeJS.Timeout | null = null;

  constructor(private readonly db: Db) {
    this.insertClaim = db.$client.prepare(INSERT_CLAIM);
    this.insertLine = db.$client.prepare(INSERT_LINE);
    this.stageEvents = db.$client.prepare(STAGE_EVENTS);
    this.lastClaimPk = db.$client.prepare(LAST_CLAIM_PK).pluck();
    // A claim staged by another run that is still unaccepted (killed, or still reading): that run may
    // yet be discarded, so this run takes the claim and its event over instead of calling it a duplicate.
    this.adoptClaim = db
      .update(claims)
      .set({ runId: sql`${p('runId')}` })
      .where(
        and(
          eq(claims.claimId, p('claimId')),
          ne(claims.runId, p('runId')),
          exists(
            db
              .select({ one: sql`1` })
              .from(outbox)
              .where(and(eq(outbox.claimPk, claims.id), eq(outbox.status, 'staged'))),
          ),
        ),
      )
      .returning({ claimPk: claims.id })
      .prepare();
    this.adoptEvent = db
      .update(outbox)
      .set({ runId: sql`${p('runId')}` })
      .where(eq(outbox.claimPk, p('claimPk')))
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

  /** Records the run and keeps its lease renewed until it is accepted or abandoned. */
  async startRun(source: string, inputFormat: string, startedAt: string): Promise<number> {
    const [run] = this.db
      .insert(runs)
      .values({ source, inputFormat, status: 'running', startedAt, ...runOwner(), leaseExpiresAt: Date.now() + LEASE_MS })
      .returning({ id: runs.id })
      .all();
    const runId = run!.id;
    this.heartbeat = setInterval(() => {
      try {
        renewLease(this.db, runId, Date.now());
      } catch {
        // Lost or busy: the next batch commit renews it too, and reports a lost run.
      }
    }, HEARTBEAT_MS).unref();
    return runId;
  }

  async writeBatch(runId: number, toStore: readonly ClaimToStore[], toReject: readonly RejectionToStore[], commit: boolean): Promise<BatchResult> {
    this.cancelIdleCommit();
    const client = this.db.$client;
    if (!client.inTransaction) client.exec('begin immediate');
    let result: BatchResult;
    try {
      // Inside the open transaction, a savepoint: the batch is stored whole or not at all.
      result = this.storeBatch(runId, toStore, toReject);
      if (commit) client.exec('commit');
    } catch (error) {
      this.rollBackOpen();
      throw error;
    }
    if (!commit) this.idleCommit = setTimeout(() => this.commitOpen(), IDLE_COMMIT_MS).unref();
    return result;
  }

  private storeBatch(runId: number, toStore: readonly ClaimToStore[], toReject: readonly RejectionToStore[]): BatchResult {
    return this.db.transaction(
      () => {
        renewLease(this.db, runId, Date.now());
        const lastPkBefore = this.lastClaimPk.get() as number;
        const stored: Claim[] = [];
        let duplicates = 0;
        for (const { claim, rows } of toStore) {
          if (this.storeClaim(runId, claim, rows)) stored.push(claim);
          else duplicates++;
        }
        this.stageEvents.run(runId, lastPkBefore);
        for (const rejection of toReject) {
          this.upsertRejection.run({
            ...rejection,
            runId,
            values: JSON.stringify(rejection.values),
            errors: JSON.stringify(rejection.errors),
          });
        }
        return { stored, duplicates };
      },
      { behavior: 'immediate' },
    );
  }

  /**
   * False when the claim is already stored by an accepted run (or earlier in this one): a duplicate.
   * Its event is staged with the batch's others (STAGE_EVENTS), or moved here with an adopted claim.
   */
  private storeClaim(runId: number, claim: Claim, rows: number[]): boolean {
    const { lines } = claim;
    const inserted = this.insertClaim.run(
      claim.claim_id,
      runId,
      claim.claim_number,
      claim.service_date,
      claim.plan_group_number,
      claim.subscriber_number,
      claim.provider_npi,
      lines.length,
      claim.net_fee_cents,
    );
    if (inserted.changes === 0) {
      const adopted = this.adoptClaim.get({ claimId: claim.claim_id, runId });
      if (adopted === undefined) return false;
      this.adoptEvent.run({ claimPk: adopted.claimPk, runId });
      return true;
    }
    const params = this.lineParams;
    params[0] = inserted.lastInsertRowid;
    for (let index = 0; index < lines.length; index++) {
      params[1] = index + 1;
      params[2] = rows[index];
      lineValuesInto(lines[index]!, params, 3);
      this.insertLine.run(params);
    }
    return true;
  }

  /**
   * The input was read to the end: its events become deliverable. Returns what the run holds now:
   * another run reading the same claims may have adopted some of them, which then count here as
   * duplicates, so every claim is counted stored by exactly one run.
   */
  async acceptRun(runId: number, counts: RunCounts, finishedAt: string): Promise<StoredCounts> {
    this.stopHeartbeat();
    this.cancelIdleCommit();
    try {
      const stored = this.acceptInTransaction(runId, counts, finishedAt);
      if (this.db.$client.inTransaction) this.db.$client.exec('commit');
      return stored;
    } catch (error) {
      this.rollBackOpen();
      throw error;
    }
  }

  /** Accepts the run in a transaction of its own, or with the batches still uncommitted. */
  private acceptInTransaction(runId: number, counts: RunCounts, finishedAt: string): StoredCounts {
    return this.db.transaction(
      (tx) => {
        // Through the run's outbox rows (indexed by run): claims have no index by run.
        const stored = tx
          .select({
            claimsStored: sql<number>`count(*)`.mapWith(Number),
            linesStored: sql<number>`coalesce(sum(${claims.lineCount}), 0)`.mapWith(Number),
            netFeeCents: sql<number>`coalesce(sum(${claims.netFeeCents}), 0)`.mapWith(Number),
          })
          .from(outbox)
          .innerJoin(claims, eq(claims.id, outbox.claimPk))
          .where(eq(outbox.runId, runId))
          .get()!;
        const claimsDuplicate = counts.claimsDuplicate + counts.claimsStored - stored.claimsStored;
        const accepted = tx
          .update(runs)
          .set({ ...counts, ...stored, claimsDuplicate, status: 'completed', finishedAt, leaseExpiresAt: null })
          .where(and(eq(runs.id, runId), eq(runs.owner, runOwner().owner), eq(runs.status, 'running')))
          .run();
        if (accepted.changes === 0) throw new RunTakenOverError(runId);
        addAcceptedRun(this.db.$client, runId);
        tx.update(outbox)
          .set({ status: 'pending' })
          .where(and(eq(outbox.runId, runId), eq(outbox.status, 'staged')))
          .run();
        return stored;
      },
      { behavior: 'immediate' },
    );
  }

  /**
   * The input was refused, or the command stopped before its end: whatever its batches wrote goes;
   * the run stays as a record of why.
   */
  async abandonRun(runId: number, counts: RunCounts, status: 'refused' | 'interrupted', reason: string, finishedAt: string): Promise<void> {
    this.stopHeartbeat();
    this.rollBackOpen();
    discardRun(this.db, runId, { ...counts, status, error: reason, finishedAt });
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

  private stopHeartbeat(): void {
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
