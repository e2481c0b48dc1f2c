import { and, eq, sql } from 'drizzle-orm';
import type { Claim } from '../domain/types.js';
import type { Db } from './open.js';
import { discardRun, runOwner } from './runs.js';
import { claimLines, claims, outbox, rejections, runs, type RejectionError } from './schema.js';

export interface ClaimToStore {
  claim: Claim;
  /** The input row of each line, in line order. */
  rows: number[];
}

export interface RejectionToStore {
  fingerprint: string;
  source: string;
  row: number;
  values: Record<string, string>;
  errors: RejectionError[];
}

export interface BatchResult {
  stored: Claim[];
  duplicates: number;
}

export interface RunCounts {
  rowsRead: number;
  rowsRejected: number;
  claimsStored: number;
  claimsDuplicate: number;
  claimsRejected: number;
  linesStored: number;
  netFeeCents: number;
}

const p = (name: string) => sql.placeholder(name);

/**
 * Everything an ingest writes, as prepared statements run in large IMMEDIATE transactions:
 * the write lock is taken up front, so concurrent processes queue on the busy timeout instead of
 * failing half way, and a killed process leaves whole batches only.
 */
export class IngestStore {
  private readonly insertClaim;
  private readonly insertLine;
  private readonly insertEvent;
  private readonly upsertRejection;

  constructor(private readonly db: Db) {
    this.insertClaim = db
      .insert(claims)
      .values({
        claimId: p('claimId'),
        runId: p('runId'),
        claimNumber: p('claimNumber'),
        serviceDate: p('serviceDate'),
        planGroupNumber: p('planGroupNumber'),
        subscriberNumber: p('subscriberNumber'),
        providerNpi: p('providerNpi'),
        lineCount: p('lineCount'),
        netFeeCents: p('netFeeCents'),
      })
      .onConflictDoNothing()
      .prepare();
    this.insertLine = db
      .insert(claimLines)
      .values({
        claimPk: p('claimPk'),
        lineIndex: p('lineIndex'),
        sourceRow: p('sourceRow'),
        lineNumber: p('lineNumber'),
        serviceDate: p('serviceDate'),
        submittedProcedure: p('submittedProcedure'),
        quadrant: p('quadrant'),
        providerFeesCents: p('providerFeesCents'),
        allowedFeesCents: p('allowedFeesCents'),
        memberCoinsuranceCents: p('memberCoinsuranceCents'),
        memberCopayCents: p('memberCopayCents'),
        netFeeCents: p('netFeeCents'),
      })
      .prepare();
    this.insertEvent = db
      .insert(outbox)
      .values({ claimPk: p('claimPk'), runId: p('runId'), status: 'staged' })
      .prepare();
    // The same bad row met again (a rerun) is recorded once, under the first run that met it.
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
      .onConflictDoNothing({ target: rejections.fingerprint })
      .prepare();
  }

  startRun(source: string, inputFormat: string, startedAt: string): number {
    const [run] = this.db
      .insert(runs)
      .values({ source, inputFormat, status: 'running', startedAt, ...runOwner() })
      .returning({ id: runs.id })
      .all();
    return run!.id;
  }

  writeBatch(runId: number, toStore: readonly ClaimToStore[], toReject: readonly RejectionToStore[]): BatchResult {
    return this.db.transaction(
      () => {
        const stored: Claim[] = [];
        let duplicates = 0;
        for (const { claim, rows } of toStore) {
          if (this.storeClaim(runId, claim, rows)) stored.push(claim);
          else duplicates++;
        }
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

  /** False when the claim is already stored: a duplicate. */
  private storeClaim(runId: number, claim: Claim, rows: number[]): boolean {
    const inserted = this.insertClaim.run({
      claimId: claim.claim_id,
      runId,
      claimNumber: claim.claim_number,
      serviceDate: claim.service_date,
      planGroupNumber: claim.plan_group_number,
      subscriberNumber: claim.subscriber_number,
      providerNpi: claim.provider_npi,
      lineCount: claim.lines.length,
      netFeeCents: claim.net_fee_cents,
    });
    if (inserted.changes === 0) return false;
    const claimPk = inserted.lastInsertRowid;
    claim.lines.forEach((line, index) => {
      this.insertLine.run({
        claimPk,
        lineIndex: index + 1,
        sourceRow: rows[index]!,
        lineNumber: line.line_number,
        serviceDate: line.service_date,
        submittedProcedure: line.submitted_procedure,
        quadrant: line.quadrant,
        providerFeesCents: line.provider_fees_cents,
        allowedFeesCents: line.allowed_fees_cents,
        memberCoinsuranceCents: line.member_coinsurance_cents,
        memberCopayCents: line.member_copay_cents,
        netFeeCents: line.net_fee_cents,
      });
    });
    this.insertEvent.run({ claimPk, runId });
    return true;
  }

  /** The input was read to the end: its events become deliverable. */
  acceptRun(runId: number, counts: RunCounts, finishedAt: string): void {
    this.db.transaction(
      (tx) => {
        tx.update(outbox)
          .set({ status: 'pending' })
          .where(and(eq(outbox.runId, runId), eq(outbox.status, 'staged')))
          .run();
        tx.update(runs)
          .set({ ...counts, status: 'completed', finishedAt })
          .where(eq(runs.id, runId))
          .run();
      },
      { behavior: 'immediate' },
    );
  }

  /** The input was refused: whatever its batches wrote goes; the run stays as a record of why. */
  refuseRun(runId: number, counts: RunCounts, reason: string, finishedAt: string): void {
    discardRun(this.db, runId, { ...counts, status: 'refused', error: reason, finishedAt });
  }
}

/** A dry run asks only whether a claim is already stored. */
export class DuplicateLookup {
  private readonly find;
  constructor(db: Db) {
    this.find = db
      .select({ claimId: claims.claimId })
      .from(claims)
      .where(eq(claims.claimId, p('claimId')))
      .prepare();
  }
  isStored(claimId: string): boolean {
    return this.find.get({ claimId }) !== undefined;
  }
}
