import { and, eq, getTableColumns, sql } from 'drizzle-orm';
import { LINE_STORED_FIELDS } from '../../domain/fields.js';
import type { Claim } from '../../domain/types.js';
import { RunTakenOverError } from '../../errors.js';
import { batchStored, type BatchResult, type ClaimToStore, type DuplicateLookup, type IngestSink, type RejectionToStore, type RunCounts, type StoredCounts } from '../../ingest/ports.js';
import { HEARTBEAT_MS, LEASE_MS, runOwner } from '../runs.js';
import type { PgDb } from './client.js';
import { discardRun, renewLease, writing } from './runs.js';
import { claimLines, claims, outbox, runs } from './schema.js';

/** The stored line fields as a record type for json_to_recordset: a field's column has the field's name. */
const LINE_RECORD = sql.raw(
  LINE_STORED_FIELDS.map((name) => {
    const column = Object.values(getTableColumns(claimLines)).find((c) => c.name === name);
    if (!column) throw new Error(`claim line field ${name} has no column in the PostgreSQL schema`);
    return `"${name}" ${column.getSQLType()}`;
  }).join(', '),
);
const LINE_COLUMNS = sql.raw(LINE_STORED_FIELDS.map((name) => `"${name}"`).join(', '));

/**
 * The ingest sink in PostgreSQL. A batch is one transaction holding the writer lock (as SQLite's
 * write lock): its claims, lines and events go in one statement whose rows arrive as one JSON
 * parameter, and its rejections in a second, so a batch costs a handful of round trips whatever
 * its size, and a killed process leaves whole batches only.
 */
export class PgIngestStore implements IngestSink {
  private heartbeat: NodeJS.Timeout | null = null;

  constructor(private readonly db: PgDb) {}

  /** Records the run and keeps its lease renewed until it is accepted or abandoned. */
  async startRun(source: string, inputFormat: string, startedAt: string): Promise<number> {
    const [run] = await this.db
      .insert(runs)
      .values({ source, inputFormat, status: 'running', startedAt, ...runOwner(), leaseExpiresAt: Date.now() + LEASE_MS })
      .returning({ id: runs.id });
    const runId = run!.id;
    this.heartbeat = setInterval(() => {
      // Lost or busy: the next batch commit renews it too, and reports a lost run.
      renewLease(this.db, runId, Date.now()).catch(() => {});
    }, HEARTBEAT_MS).unref();
    return runId;
  }

  async writeBatch(runId: number, toStore: readonly ClaimToStore[], toReject: readonly RejectionToStore[]): Promise<BatchResult> {
    // The same claim twice in one batch is stored once: the second is a duplicate, as in SQLite.
    const firstOf = new Map<string, ClaimToStore>();
    for (const item of toStore) if (!firstOf.has(item.claim.claim_id)) firstOf.set(item.claim.claim_id, item);
    const claimRecords: unknown[] = [];
    const lineRecords: unknown[] = [];
    let order = 0;
    for (const { claim, rows } of firstOf.values()) {
      claimRecords.push({
        i: order++,
        claim_id: claim.claim_id,
        claim_number: claim.claim_number,
        service_date: claim.service_date,
        plan_group_number: claim.plan_group_number,
        subscriber_number: claim.subscriber_number,
        provider_npi: claim.provider_npi,
        line_count: claim.lines.length,
        net_fee_cents: claim.net_fee_cents,
      });
      claim.lines.forEach((line, index) => {
        lineRecords.push({ claim_id: claim.claim_id, line_index: index + 1, source_row: rows[index]!, ...storedValues(line) });
      });
    }
    // A fingerprint met twice in one batch is recorded once, under this run, as SQLite's second upsert changes nothing.
    const firstRejections = new Map<string, RejectionToStore>();
    for (const rejection of toReject) if (!firstRejections.has(rejection.fingerprint)) firstRejections.set(rejection.fingerprint, rejection);

    const taken = await writing(this.db, async (tx) => {
      await renewLease(tx, runId, Date.now());
      const rows =
        claimRecords.length === 0
          ? []
          : await tx.execute<{ claim_id: string }>(sql`
        with input as (
          select * from json_to_recordset(${JSON.stringify(claimRecords)}::json) as c(i int, claim_id text, claim_number text,
            service_date text, plan_group_number text, subscriber_number text, provider_npi text, line_count int, net_fee_cents bigint)
        ), inserted as (
          insert into ${claims} (claim_id, run_id, claim_number, service_date, plan_group_number, subscriber_number, provider_npi, line_count, net_fee_cents)
          select claim_id, ${runId}, claim_number, service_date, plan_group_number, subscriber_number, provider_npi, line_count, net_fee_cents
          from input order by i
          on conflict (claim_id) do nothing
          returning id, claim_id
        ), adopted as (
          -- A claim staged by another run still unaccepted (killed, or still reading) may yet be discarded
          -- with that run: this run takes it and its event over instead of calling it a duplicate.
          update ${claims} set run_id = ${runId} from input
          where ${claims.claimId} = input.claim_id and ${claims.runId} <> ${runId}
            and exists (select 1 from ${outbox} where ${outbox.claimPk} = ${claims.id} and ${outbox.status} = 'staged')
          returning ${claims.id} as id, ${claims.claimId} as claim_id
        ), adopted_events as (
          update ${outbox} set run_id = ${runId} where ${outbox.claimPk} in (select id from adopted)
        ), lines as (
          insert into ${claimLines} (claim_pk, line_index, source_row, ${LINE_COLUMNS})
          select inserted.id, l.line_index, l.source_row, ${sql.raw(LINE_STORED_FIELDS.map((name) => `l."${name}"`).join(', '))}
          from json_to_recordset(${JSON.stringify(lineRecords)}::json) as l(claim_id text, line_index int, source_row int, ${LINE_RECORD})
          join inserted using (claim_id)
        ), events as (
          insert into ${outbox} (claim_pk, run_id, status) select id, ${runId}, 'staged' from inserted order by id
        )
        select claim_id from inserted union all select claim_id from adopted`);
      if (firstRejections.size > 0) {
        const records = [...firstRejections.values()].map(({ fingerprint, source, row, values, errors }) => ({
          fingerprint,
          source,
          row,
          // As JSON text inside the JSON: a rejected value may hold a NUL, which PostgreSQL text cannot,
          // but json keeps as the escape \u0000 (and gives back as it was).
          values: JSON.stringify(values),
          errors: JSON.stringify(errors),
        }));
        // The same bad row met again (a rerun) is recorded once, under the first run that met it,
        // unless that run is unaccepted: then it moves here, so discarding that run does not lose it.
        await tx.execute(sql`
          insert into rejections (fingerprint, run_id, source, row, "values", errors)
          select fingerprint, ${runId}, source, row, "values"::json, errors::json
          from json_to_recordset(${JSON.stringify(records)}::json) as r(fingerprint text, source text, row int, "values" text, errors text)
          on conflict (fingerprint) do update set run_id = excluded.run_id
          where rejections.run_id in (select id from runs where status = 'running')`);
      }
      return new Set(rows.map((row) => row.claim_id));
    });

    const stored: Claim[] = [];
    let duplicates = 0;
    for (const { claim } of toStore) {
      if (taken.delete(claim.claim_id)) stored.push(claim);
      else duplicates++;
    }
    return batchStored(stored, duplicates);
  }

  /** As the SQLite store: the run's events become deliverable; returns what the run holds now. */
  async acceptRun(runId: number, counts: RunCounts, finishedAt: string): Promise<StoredCounts> {
    this.stopHeartbeat();
    return writing(this.db, async (tx) => {
      const [stored] = await tx
        .select({
          claimsStored: sql<number>`count(*)`.mapWith(Number),
          linesStored: sql<number>`coalesce(sum(${claims.lineCount}), 0)`.mapWith(Number),
          netFeeCents: sql<number>`coalesce(sum(${claims.netFeeCents}), 0)`.mapWith(Number),
        })
        .from(claims)
        .where(eq(claims.runId, runId));
      const claimsDuplicate = counts.claimsDuplicate + counts.claimsStored - stored!.claimsStored;
      const accepted = await tx
        .update(runs)
        .set({ ...counts, ...stored!, claimsDuplicate, status: 'completed', finishedAt, leaseExpiresAt: null })
        .where(and(eq(runs.id, runId), eq(runs.owner, runOwner().owner), eq(runs.status, 'running')))
        .returning({ id: runs.id });
      if (accepted.length === 0) throw new RunTakenOverError(runId);
      await tx
        .update(outbox)
        .set({ status: 'pending' })
        .where(and(eq(outbox.runId, runId), eq(outbox.status, 'staged')));
      return stored!;
    });
  }

  async abandonRun(runId: number, counts: RunCounts, status: 'refused' | 'interrupted', reason: string, finishedAt: string): Promise<void> {
    this.stopHeartbeat();
    await discardRun(this.db, runId, { ...counts, status, error: reason, finishedAt });
  }

  private stopHeartbeat(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
  }
}

/** A dry run asks only which claims are already stored: one query per batch. */
export class PgClaimLookup implements DuplicateLookup {
  constructor(private readonly db: PgDb) {}

  async storedAmong(claimIds: readonly string[]): Promise<ReadonlySet<string>> {
    const rows = await this.db
      .select({ claimId: claims.claimId })
      .from(claims)
      .where(sql`${claims.claimId} in (select value from json_array_elements_text(${JSON.stringify(claimIds)}::json))`);
    return new Set(rows.map((row) => row.claimId));
  }
}

/** A line's stored fields by name, for its JSON record. */
function storedValues(line: Claim['lines'][number]): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const name of LINE_STORED_FIELDS) values[name] = line[name];
  return values;
}
