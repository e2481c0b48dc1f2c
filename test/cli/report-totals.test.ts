import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OutboxStore } from '../../src/db/outbox-store.js';
import { openDb } from '../../src/db/open.js';
import type { Delivery } from '../../src/events/ports.js';
import { Workspace } from '../helpers/cli.js';
import { cells, csv } from '../helpers/inputs.js';
import { runMain } from '../helpers/main.js';

/**
 * `report summary` and `report top-providers` read totals kept as claims are accepted, published,
 * refused, discarded or edited by hand: after any sequence of those, they must equal the figures
 * recomputed from every stored claim (the queries the reports ran before the totals existed).
 * Seeded, so a failure replays the same way.
 */

const SEED = 20261127;

let ws: Workspace;
beforeEach(() => {
  ws = new Workspace();
});
afterEach(() => ws.remove());

const run = (args: string[]) => runMain([...args, '--db', ws.db, '--log-level', 'silent']);

/** A valid NPI: nine digits and the CMS check digit (Luhn over 80840 and the nine). */
function npi(nine: number): string {
  const digits = `80840${nine}`;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 0 && (d *= 2) > 9) d -= 9;
    sum += d;
  }
  return `${nine}${(10 - (sum % 10)) % 10}`;
}
const PROVIDERS = [100000001, 100000002, 100000003, 100000004].map(npi);

/** One claim: its subscriber makes it distinct, its day and provider place it in the totals. */
const claimArb = fc.record({
  subscriber: fc.integer({ min: 1, max: 40 }),
  provider: fc.constantFrom(...PROVIDERS),
  // Days over three years, so ranges meet whole months and partial ones.
  day: fc.integer({ min: 0, max: 3 * 365 }),
  lines: fc.integer({ min: 1, max: 3 }),
  cents: fc.integer({ min: 0, max: 50_000 }),
  bad: fc.integer({ min: 0, max: 4 }).map((n) => n === 0),
});
/** What an arbitrary generates. */
type Generated<A> = A extends fc.Arbitrary<infer T> ? T : never;
type ClaimSpec = Generated<typeof claimArb>;

function rows(claims: ClaimSpec[]): string[][] {
  return claims.flatMap((c) => {
    const day = new Date(Date.UTC(2021, 0, 1 + c.day));
    const date = `${day.getUTCMonth() + 1}/${day.getUTCDate()}/${day.getUTCFullYear()}`;
    return Array.from({ length: c.lines }, (_, line) =>
      cells({
        date,
        subscriber: `S${c.subscriber}`,
        npi: c.provider,
        // A bad line (three decimals) rejects its claim.
        procedure: `D${1000 + line}`,
        provider: c.bad && line === 0 ? '$1.234' : `$${(100 + c.cents / 100).toFixed(2)}`,
        allowed: '$100.00',
      }),
    );
  });
}

const dateArb = fc.integer({ min: 0, max: 3 * 365 + 40 }).map((d) => new Date(Date.UTC(2020, 11, 1 + d)).toISOString().slice(0, 10));

const operation = fc.oneof(
  fc.record({ kind: fc.constant('ingest' as const), claims: fc.array(claimArb, { minLength: 1, maxLength: 12 }) }),
  // More rejected rows than allowed: the input is refused and what it wrote is discarded.
  fc.record({ kind: fc.constant('refused' as const), claims: fc.array(claimArb, { minLength: 1, maxLength: 12 }) }),
  // Stored, then left as a process killed part way leaves it: the next command discards it.
  fc.record({ kind: fc.constant('killed' as const), claims: fc.array(claimArb, { minLength: 1, maxLength: 12 }) }),
  fc.record({ kind: fc.constant('publish' as const), outcomes: fc.array(fc.boolean(), { minLength: 1, maxLength: 20 }) }),
  // A claim changed by hand; a net fee that is no integer at all is left out of sums.
  fc.record({
    kind: fc.constant('edit' as const),
    claim: fc.integer({ min: 1, max: 60 }),
    change: fc.oneof(
      fc.tuple(fc.constant('net_fee_cents'), fc.oneof(fc.integer({ min: -1000, max: 10_000_000 }), fc.constant('lots'))),
      fc.tuple(fc.constant('provider_npi'), fc.constantFrom(...PROVIDERS)),
      fc.tuple(fc.constant('service_date'), dateArb),
      fc.tuple(fc.constant('line_count'), fc.integer({ min: 1, max: 9 })),
    ),
  }),
);
type Operation = Generated<typeof operation>;

function withDb<T>(work: (db: Database.Database) => T): T {
  const db = new Database(ws.db);
  try {
    return work(db);
  } finally {
    db.close();
  }
}

async function apply(op: Operation): Promise<void> {
  if (op.kind === 'ingest' || op.kind === 'refused' || op.kind === 'killed') {
    const file = ws.file(`in-${Math.random().toString(36).slice(2)}.csv`, csv(rows(op.claims)));
    const limit = op.kind === 'refused' ? ['--max-errors', '0'] : [];
    const refusing = op.kind === 'refused' && op.claims.some((c) => c.bad);
    const result = await run(['ingest', file, '-q', ...limit]);
    expect([0, 3, ...(refusing ? [1] : [])]).toContain(result.code);
    if (op.kind === 'killed') killLastRun();
    return;
  }
  if (op.kind === 'publish') return publish(op.outcomes);
  const column = op.change[0];
  const value = op.change[1];
  const { claim } = op;
  withDb((db) => {
    if (!db.prepare("select 1 from sqlite_master where name = 'claims'").get()) return;
    db.prepare(`update claims set ${column} = ? where id = ?`).run(value, claim);
  });
}

/** The last run back to `running` under a process that no longer exists, its events not written yet. */
function killLastRun(): void {
  withDb((db) => {
    const last = db.prepare("select max(id) as id from runs where status = 'completed'").get() as { id: number | null };
    if (last.id === null) return;
    db.prepare(`update runs set status = 'running', finished_at = null, host = ?, pid = ?, owner = 'dead' where id = ?`).run(hostname(), 2 ** 22 + 1, last.id);
    // Set back to staged first: the triggers take its claims out of the totals, as a hand edit would.
    db.prepare(`update outbox set status = 'staged' where run_id = ?`).run(last.id);
    db.prepare(`delete from outbox where run_id = ?`).run(last.id);
  });
}

/** What a publisher records: each next deliverable event published or failed. */
async function publish(outcomes: boolean[]): Promise<void> {
  if (!withDb((db) => db.prepare("select 1 from sqlite_master where name = 'outbox'").get())) return;
  const db = openDb(ws.db, pino({ enabled: false }));
  try {
    const store = new OutboxStore(db);
    const events = await store.nextDeliverable(0, outcomes.length);
    const deliveries: Delivery[] = events.map((event, i) =>
      outcomes[i] ? { event, ok: true, streamSeq: event.seq, duplicate: false } : { event, ok: false, error: 'nats down' },
    );
    await store.recordDeliveries(deliveries, new Date().toISOString());
  } finally {
    db.$client.close();
  }
}

const ACCEPTED = "exists (select 1 from outbox o where o.claim_pk = claims.id and o.status <> 'staged')";
const NET_FEE = "sum(case when typeof(net_fee_cents) = 'integer' then net_fee_cents end)";

/** The summary as it was computed before the totals: from every stored claim. */
function recomputedSummary(): Record<string, unknown> {
  return withDb((db) => {
    db.defaultSafeIntegers(true);
    const claims = db
      .prepare(
        `select count(*) as claims, coalesce(sum(line_count), 0) as lines, count(distinct provider_npi) as providers,
           coalesce(${NET_FEE}, 0) as net_fee_cents from claims where ${ACCEPTED}`,
      )
      .get() as Record<string, bigint>;
    const count = (where: string) => (db.prepare(`select count(*) as n from ${where}`).get() as { n: bigint }).n;
    return Object.fromEntries(
      Object.entries({
        ...claims,
        rows_rejected: count('rejections'),
        runs: count('runs'),
        events_published: count("outbox where status = 'published'"),
        events_pending: count("outbox where status = 'pending'"),
        events_failed: count("outbox where status = 'failed'"),
      }).map(([key, value]) => [key, Number(value)]),
    );
  });
}

function recomputedTop(from?: string, to?: string): { provider_npi: string; net_fee_cents: number; claims: number; lines: number }[] {
  return withDb((db) => {
    const dated = [from === undefined ? '' : 'and service_date >= @from', to === undefined ? '' : 'and service_date <= @to'].join(' ');
    const rows = db
      .prepare(
        `select provider_npi, coalesce(${NET_FEE}, 0) as net_fee_cents, count(*) as claims, sum(line_count) as lines
         from claims where ${ACCEPTED} ${dated} group by provider_npi order by ${NET_FEE} desc, provider_npi`,
      )
      .all({ ...(from && { from }), ...(to && { to }) }) as { provider_npi: string; net_fee_cents: number; claims: number; lines: number }[];
    return rows;
  });
}

/** `list --provider` as it was before provider_claims: the accepted claims of the provider, in stored order. */
function recomputedClaimIds(provider: string, from: string, to: string): string[] {
  return withDb(
    (db) =>
      db
        .prepare(`select claim_id from claims where ${ACCEPTED} and provider_npi = ? and service_date between ? and ? order by id`)
        .pluck()
        .all(provider, from, to) as string[],
  );
}

async function reported(args: string[]): Promise<unknown> {
  const result = await run([...args, '--format', 'json']);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout);
}

/** When drizzle-kit made a migration (drizzle records it as the applied migration's created_at). */
function migrationTime(tag: string): number {
  const journal = JSON.parse(readFileSync(new URL('../../drizzle/meta/_journal.json', import.meta.url), 'utf8')) as { entries: { tag: string; when: number }[] };
  return journal.entries.find((entry) => entry.tag === tag)!.when;
}

describe('report totals', () => {
  it('equal the figures recomputed from every claim after ingests, refusals, kills, deliveries and hand edits', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(operation, { minLength: 1, maxLength: 8 }), dateArb, dateArb, async (ops, a, b) => {
        ws.remove();
        ws = new Workspace();
        const [from, to] = a <= b ? [a, b] : [b, a];
        for (const op of ops) {
          await apply(op);
          if (!withDb((db) => db.prepare("select 1 from sqlite_master where name = 'claims'").get())) continue;
          // The report runs first: opening discards a killed run, as the recomputation must see.
          const summary = (await reported(['report', 'summary'])) as Record<string, unknown>;
          expect(summary).toMatchObject(recomputedSummary());
          for (const [f, t] of [[undefined, undefined], [from, to], [from, undefined], [undefined, to]] as const) {
            const dates = [...(f ? ['--from', f] : []), ...(t ? ['--to', t] : [])];
            const top = (await reported(['report', 'top-providers', '--limit', '100', ...dates])) as Record<string, unknown>[];
            expect(top.map(({ rank: _r, net_fee: _n, ...p }) => p)).toEqual(recomputedTop(f, t));
          }
          const provider = PROVIDERS[ops.indexOf(op) % PROVIDERS.length]!;
          const listed = (await reported(['list', '--provider', provider, '--from', from, '--to', to])) as { claim_id: string }[];
          expect(listed.map((claim) => claim.claim_id)).toEqual(recomputedClaimIds(provider, from, to));
        }
      }),
      { seed: SEED, numRuns: 25 },
    );
  }, 240_000);

  it('are filled from the claims of a database made before they existed, as provider_claims is', async () => {
    const file = ws.file('in.csv', csv(rows([0, 40, 400].map((day, i) => ({ subscriber: i, provider: PROVIDERS[i % 2]!, day, lines: 2, cents: 1234 * i, bad: false })))));
    expect((await run(['ingest', file, '-q'])).code).toBe(0);
    // The database as the version before the totals left it: no totals, its indexes, migrations
    // 0002 (the totals), 0003 (two line indexes dropped), 0004 (the day totals, for the date
    // index), 0005 (provider_claims, for the provider index) and 0006 (claims by run), made after
    // 0001's time, not applied.
    withDb((db) => {
      db.exec('drop table provider_totals; drop table provider_month_totals; drop table provider_day_totals; drop table report_counts; drop table provider_claims');
      db.exec('drop index claims_run');
      for (const { name } of db.prepare("select name from sqlite_master where type = 'trigger'").all() as { name: string }[]) db.exec(`drop trigger ${name}`);
      db.exec(`create index claims_service_date on claims (service_date);
        create index claims_provider_date on claims (provider_npi, service_date);
        create index claim_lines_procedure on claim_lines (submitted_procedure);
        create index claim_lines_service_date on claim_lines (service_date)`);
      db.prepare('delete from __drizzle_migrations where created_at > ?').run(migrationTime('0001_leases'));
    });
    expect(await reported(['report', 'summary'])).toMatchObject({ ...recomputedSummary(), claims: 3, lines: 6 });
    // Partial months at both edges (days of 2021-02 and 2022-02), each holding one of the claims.
    const top = await reported(['report', 'top-providers', '--from', '2021-02-05', '--to', '2022-02-20']);
    expect(top).toMatchObject(recomputedTop('2021-02-05', '2022-02-20'));
    expect(top).toHaveLength(2);
    const listed = (await reported(['list', '--provider', PROVIDERS[0]!, '--from', '2020-01-01', '--to', '2022-12-31'])) as { claim_id: string }[];
    expect(listed.map((claim) => claim.claim_id)).toEqual(recomputedClaimIds(PROVIDERS[0]!, '2020-01-01', '2022-12-31'));
    expect(listed).toHaveLength(2);
  });
});
