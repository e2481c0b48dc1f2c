import type Database from 'better-sqlite3';
import type { ProviderTotal, ReportTotals, Totals } from '../output/ports.js';

/*
 * Report totals (issue 9): `report summary` and `report top-providers` read figures kept as the
 * claims are written, in the same transactions, so they are exact and cost the same at any size.
 *
 * - provider_totals (per provider), provider_month_totals (per provider and month of service,
 *   `YYYY-MM`) and provider_day_totals (per provider and day of service) hold the claims, lines and
 *   net fee of the accepted claims. A claim counts once its run is accepted: acceptRun writes the
 *   run's events and adds the run's claims (by the claims' index by run) with one INSERT … SELECT
 *   … GROUP BY … ON CONFLICT DO UPDATE per table. A net fee that is not an integer (a row
 *   damaged by hand) adds 0, as the sums always left it out. Claims without an event (a run still
 *   reading, or killed) are never added, and discarding a run deletes those only, so discards leave
 *   the totals alone.
 * - report_counts (one row) holds the rejected rows (every row of `rejections`: triggers on insert
 *   and delete) and the events per delivery status: acceptRun adds the run's events to pending, a
 *   trigger moves an event between pending, published and failed as the publishers record it.
 * - Hand edits stay exact too: triggers take a claim out when its event is set back to staged, and
 *   move it when its provider, date, line count or net fee is changed. Accepted claims are never
 *   deleted.
 * - top-providers over --from/--to sums the whole months inside the range from
 *   provider_month_totals and the days of the partial months at its edges from provider_day_totals.
 *   The claims have no index by date for it: one costs an ingest more than the day totals do
 *   (an entry per claim at a random place, against one sorted upsert per run at its acceptance).
 * The migrations (drizzle/0002_report_totals.sql, 0004_day_totals.sql) fill them from an existing
 * database and define the triggers. This module loads neither drizzle nor the schema: a report opens only the driver.
 */

const NET_FEE = (claim: string) => `iif(typeof(${claim}.net_fee_cents) = 'integer', ${claim}.net_fee_cents, 0)`;

const ADD_ACCEPTED = (table: string, key: string, keyColumns: string, groups: string) => `
  insert into ${table} (${keyColumns}, claims, lines, net_fee_cents)
  select ${key}, count(*), coalesce(sum(c.line_count), 0), coalesce(sum(${NET_FEE('c')}), 0)
  from claims c
  where c.run_id = ?
  group by ${groups}
  on conflict do update set claims = ${table}.claims + excluded.claims, lines = ${table}.lines + excluded.lines,
    net_fee_cents = ${table}.net_fee_cents + excluded.net_fee_cents`;

/**
 * Adds the claims and events of a run being accepted to the totals; call it in the transaction that
 * accepts the run, which writes its `events` events (one per claim of the run).
 * IngestStore.acceptRun runs it with a small page cache: SQLite sorts a GROUP BY in memory up to
 * the cache's size before it spills to a file.
 */
export function addAcceptedRun(client: Database.Database, runId: number, events: number): void {
  client.prepare(ADD_ACCEPTED('provider_day_totals', 'c.service_date, c.provider_npi', 'service_date, provider_npi', '1, 2')).run(runId);
  client.prepare(ADD_ACCEPTED('provider_month_totals', 'substr(c.service_date, 1, 7), c.provider_npi', 'month, provider_npi', '1, 2')).run(runId);
  client.prepare(ADD_ACCEPTED('provider_totals', 'c.provider_npi', 'provider_npi', '1')).run(runId);
  client.prepare('update report_counts set events_pending = events_pending + ?').run(events);
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** Sums of cents are read as bigints (exact at any size) and given as numbers where that is exact. */
function exact(sum: bigint | null): number | bigint {
  const value = sum ?? 0n;
  return value <= MAX_SAFE && value >= -MAX_SAFE ? Number(value) : value;
}

interface ProviderRow {
  provider_npi: string;
  net_fee_cents: bigint | null;
  claims: bigint;
  lines: bigint | null;
}

const toProviderTotal = (row: ProviderRow): ProviderTotal => ({
  provider_npi: row.provider_npi,
  net_fee_cents: exact(row.net_fee_cents),
  claims: Number(row.claims),
  lines: Number(row.lines ?? 0n),
});

/** The report port's totals over the kept figures: a few thousand rows read, whatever the claims. */
export function reportTotals(client: Database.Database): ReportTotals {
  return {
    topProviders: async (f) => topProviders(client, f),
    totals: async () => client.transaction(() => totals(client)).deferred(),
  };
}

/** Providers by total net fee, highest first; equal totals in NPI order so ranks are stable. */
function topProviders(client: Database.Database, f: { limit: number; from?: string; to?: string }): ProviderTotal[] {
  if (f.from === undefined && f.to === undefined) {
    const rows = client
      .prepare(
        `select provider_npi, net_fee_cents, claims, lines from provider_totals where claims > 0
         order by net_fee_cents desc, provider_npi limit ?`,
      )
      .safeIntegers(true)
      .all(f.limit) as ProviderRow[];
    return rows.map(toProviderTotal);
  }
  const { months, days } = splitRange(f.from, f.to);
  const parts: string[] = [];
  const params: Record<string, string | number> = { limit: f.limit };
  if (months) {
    parts.push(`select provider_npi, claims, lines, net_fee_cents from provider_month_totals
      where month >= @firstMonth and month <= @lastMonth`);
    Object.assign(params, { firstMonth: months.first, lastMonth: months.last });
  }
  days.forEach((range, i) => {
    const within = (column: string) =>
      [range.from && `${column} >= @from${i}`, range.before && `${column} < @before${i}`, range.to && `${column} <= @to${i}`]
        .filter(Boolean)
        .join(' and ');
    for (const [key, value] of Object.entries(range)) if (value !== undefined) params[`${key}${i}`] = value;
    parts.push(`select provider_npi, claims, lines, net_fee_cents from provider_day_totals where ${within('service_date')}`);
  });
  const rows = client
    .prepare(
      `select provider_npi, sum(net_fee_cents) as net_fee_cents, sum(claims) as claims, sum(lines) as lines
       from (${parts.join(' union all ')})
       group by provider_npi having sum(claims) > 0
       order by sum(net_fee_cents) desc, provider_npi limit @limit`,
    )
    .safeIntegers(true)
    .all(params) as ProviderRow[];
  return rows.map(toProviderTotal);
}

interface DayRange {
  from?: string;
  before?: string;
  to?: string;
}

/**
 * Splits a service-date range into the whole months inside it (read from provider_month_totals)
 * and the day ranges left at its edges (read from provider_day_totals). Dates are valid YYYY-MM-DD.
 */
function splitRange(from: string | undefined, to: string | undefined): { months: { first: string; last: string } | null; days: DayRange[] } {
  // A whole month starts on the 1st and ends the day before the next month's 1st.
  const first = from === undefined ? '0000-01' : from.endsWith('-01') ? from.slice(0, 7) : nextMonth(from.slice(0, 7));
  const last = to === undefined ? '9999-12' : nextDay(to).endsWith('-01') ? to.slice(0, 7) : previousMonth(to.slice(0, 7));
  if (first > last) return { months: null, days: [{ from, to }] };
  const days: DayRange[] = [];
  if (from !== undefined && !from.endsWith('-01')) days.push({ from, before: `${first}-01` });
  if (to !== undefined && last !== to.slice(0, 7)) days.push({ from: `${nextMonth(last)}-01`, to });
  return { months: { first, last }, days };
}

function nextMonth(month: string): string {
  const [year, m] = month.split('-').map(Number) as [number, number];
  return m === 12 ? `${String(year + 1).padStart(4, '0')}-01` : `${month.slice(0, 4)}-${String(m + 1).padStart(2, '0')}`;
}

function previousMonth(month: string): string {
  const [year, m] = month.split('-').map(Number) as [number, number];
  return m === 1 ? `${String(year - 1).padStart(4, '0')}-12` : `${month.slice(0, 4)}-${String(m - 1).padStart(2, '0')}`;
}

function nextDay(date: string): string {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(year, month - 1, day + 1)).toISOString().slice(0, 10);
}

/** Every count of the same moment (the caller reads them in one transaction). */
function totals(client: Database.Database): Totals {
  const claims = client
    .prepare(
      `select count(*) as providers, coalesce(sum(claims), 0) as claims, coalesce(sum(lines), 0) as lines,
         coalesce(sum(net_fee_cents), 0) as net_fee_cents from provider_totals where claims > 0`,
    )
    .safeIntegers(true)
    .get() as { providers: bigint; claims: bigint; lines: bigint; net_fee_cents: bigint };
  const counts = client.prepare('select rows_rejected, events_pending, events_published, events_failed from report_counts').get() as {
    rows_rejected: number;
    events_pending: number;
    events_published: number;
    events_failed: number;
  };
  const { runs } = client.prepare('select count(*) as runs from runs').get() as { runs: number };
  return {
    claims: Number(claims.claims),
    lines: Number(claims.lines),
    providers: Number(claims.providers),
    net_fee_cents: exact(claims.net_fee_cents),
    rows_rejected: counts.rows_rejected,
    runs,
    events_published: counts.events_published,
    // Staged events belong to an input still being read: not deliverable yet, so not pending.
    events_pending: counts.events_pending,
    events_failed: counts.events_failed,
  };
}
