import { and, eq, exists, gte, inArray, lte, ne, or, sql, type Column, type SQL, type Table } from 'drizzle-orm';
import type { ClaimFilters } from '../output/ports.js';

// What `list`, `list --lines` (and PostgreSQL's reports) filter on, written once for both backends: only drizzle's
// dialect-free operators and the columns below, which each backend's schema names alike.

type Columns<K extends string> = Table & Record<K, Column>;

/** The tables of a backend's schema, as the filters use them. */
export interface ClaimTables {
  claims: Columns<'id' | 'claimId' | 'claimNumber' | 'providerNpi' | 'serviceDate'>;
  claimLines: Columns<'claimPk' | 'serviceDate' | 'submittedProcedure'>;
  outbox: Columns<'claimPk' | 'status'>;
  /** Where the backend looks claims up by provider and date, when its claims have no index for it. */
  providerClaims?: Columns<'providerNpi' | 'serviceDate' | 'claimPk'>;
}

/**
 * Claims of an accepted input only: those with an event that is not staged. The others belong to a
 * run still being read (or killed), which may yet be refused and discarded: SQLite writes their
 * events when the run is accepted, PostgreSQL stages them meanwhile.
 */
export function accepted({ claims, outbox }: Pick<ClaimTables, 'claims' | 'outbox'>): SQL {
  return exists(sql`(select 1 from ${outbox} where ${and(eq(outbox.claimPk, claims.id), ne(outbox.status, 'staged'))})`);
}

/** Accepted claims by provider, dates (of `dateColumn`: the claim's or the line's) and claim id or number. */
export function claimConditions(t: ClaimTables, f: ClaimFilters, dateColumn: Column): SQL[] {
  const { claims } = t;
  const conditions: SQL[] = [accepted(t)];
  if (f.provider !== undefined) conditions.push(byProvider(t, f, dateColumn === claims.serviceDate));
  if (f.from !== undefined) conditions.push(gte(dateColumn, f.from));
  if (f.to !== undefined) conditions.push(lte(dateColumn, f.to));
  if (f.claim !== undefined) conditions.push(or(eq(claims.claimId, f.claim), eq(claims.claimNumber, f.claim))!);
  return conditions;
}

/**
 * The claims of `f.provider`: through providerClaims where there is one, there within --from/--to
 * when the dates filtered are the claims' own (a line's date may differ from its claim's).
 */
function byProvider({ claims, providerClaims }: ClaimTables, f: ClaimFilters, claimDates: boolean): SQL {
  if (!providerClaims) return eq(claims.providerNpi, f.provider!);
  const within = [eq(providerClaims.providerNpi, f.provider!)];
  if (claimDates && f.from !== undefined) within.push(gte(providerClaims.serviceDate, f.from));
  if (claimDates && f.to !== undefined) within.push(lte(providerClaims.serviceDate, f.to));
  return inArray(claims.id, sql`(select ${providerClaims.claimPk} from ${providerClaims} where ${and(...within)})`);
}

/** Which claims `list` shows: a claim matches a procedure when any of its lines has it. */
export function listClaimConditions(t: ClaimTables, f: ClaimFilters): SQL[] {
  const { claims, claimLines } = t;
  const conditions = claimConditions(t, f, claims.serviceDate);
  if (f.procedure !== undefined) {
    const procedure = f.procedure.toUpperCase();
    conditions.push(exists(sql`(select 1 from ${claimLines} where ${and(eq(claimLines.claimPk, claims.id), eq(claimLines.submittedProcedure, procedure))})`));
  }
  return conditions;
}

/** Which lines `list --lines` shows (claim_lines joined with claims): dates and procedure apply to each line. */
export function listLineConditions(t: ClaimTables, f: ClaimFilters): SQL[] {
  const { claimLines } = t;
  const conditions = claimConditions(t, f, claimLines.serviceDate);
  if (f.procedure !== undefined) conditions.push(eq(claimLines.submittedProcedure, f.procedure.toUpperCase()));
  return conditions;
}
