import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { claims, dropPgDatabase, FIXTURE, freshPgUrl, queryRows, Workspace } from '../helpers/cli.js';
import { cells, csv, manyClaims } from '../helpers/inputs.js';
import { runMain } from '../helpers/main.js';
import { NatsServer } from '../helpers/nats.js';

// PostgreSQL beside SQLite: the same inputs give the same answers, and what only PostgreSQL can
// meet (several hosts at once, a server that refuses) ends as the contract says.

let ws: Workspace;
let pg: string;
const servers: NatsServer[] = [];
beforeEach(() => {
  ws = new Workspace();
  pg = freshPgUrl();
});
afterEach(async () => {
  ws.remove();
  dropPgDatabase(pg);
  await Promise.all(servers.splice(0).map((server) => server.remove()));
});

const run = (db: string, args: string[]) => runMain([...args, '--db', db, '--log-level', 'silent']);

/** Everything a user can read back, with the times of runs left out (they differ by when each ran). */
async function answers(db: string) {
  const read = async (args: string[]) => {
    const result = await run(db, args);
    expect(result.code, result.stderr).toBe(0);
    return result.stdout;
  };
  const runs = JSON.parse(await read(['runs', '--format', 'json'])) as Record<string, unknown>[];
  return {
    list: await read(['list', '--format', 'csv']),
    listJson: await read(['list', '--format', 'json']),
    lines: await read(['list', '--lines', '--format', 'csv']),
    filtered: await read(['list', '--provider', '1497775530', '--from', '2018-01-01', '--format', 'csv']),
    procedure: await read(['list', '--lines', '--procedure', 'd1001', '--limit', '7', '--offset', '3', '--format', 'csv']),
    summary: await read(['report', 'summary', '--format', 'json']),
    top: await read(['report', 'top-providers', '--format', 'csv']),
    rejections: await read(['report', 'rejections', '--format', 'json']),
    runs: JSON.stringify(runs.map(({ started_at: _s, finished_at: _f, ...rest }) => rest)),
    events: await read(['replay', '--dry-run', '--format', 'json']),
  };
}

describe('PostgreSQL and SQLite', () => {
  it('give the same list, report and runs output and publish the same events for the same inputs', async () => {
    const many = ws.file('many.csv', csv(manyClaims(300, 2)));
    const bad = ws.file('bad.csv', csv([cells({ subscriber: 'S1' }), cells({ procedure: 'X\u0000Y', subscriber: 'S2' }), cells({ provider: 'lots', subscriber: 'S3' })]));
    for (const db of [ws.db, pg]) {
      expect((await run(db, ['ingest', FIXTURE, many])).code).toBe(0);
      expect((await run(db, ['ingest', bad])).code).toBe(3);
      // Again: every claim a duplicate, every rejected row recorded once.
      expect((await run(db, ['ingest', FIXTURE, many])).code).toBe(0);
    }
    const sqlite = await answers(ws.db);
    expect(JSON.parse(sqlite.summary)).toMatchObject({ claims: 302, rows_rejected: 2, runs: 5 });
    expect(await answers(pg)).toEqual(sqlite);

    // The events as the payments service receives them: ids, subjects and payloads byte for byte.
    const published: unknown[] = [];
    for (const db of [ws.db, pg]) {
      const server = await NatsServer.start();
      servers.push(server);
      expect((await run(db, ['replay', '--nats', server.url])).code).toBe(0);
      published.push((await server.readStream('CLAIMS')).map(({ subject, msgId, data }) => ({ subject, msgId, data })));
    }
    expect((published[0] as unknown[]).length).toBe(302);
    expect(published[1]).toEqual(published[0]);
  });

  it('refuses a database that does not exist as it refuses a missing file, never showing the password', async () => {
    const withPassword = pg.replace('postgres@', 'postgres:hunter2@');
    for (const words of [['list'], ['report', 'summary'], ['runs'], ['replay', '--dry-run']]) {
      const result = await runMain([...words, '--db', withPassword]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`no database at ${withPassword.replace('hunter2', '***')}; create one with: claims ingest FILE --db`);
      expect(result.stderr).not.toContain('hunter2');
    }
    // A server that is not there: one line, exit 1, no password either.
    const nowhere = await runMain(['list', '--db', 'postgres://postgres:hunter2@127.0.0.1:1/claims']);
    expect(nowhere.code).toBe(1);
    expect(nowhere.stderr).toMatch(/cannot open database postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:1\/claims: .*ECONNREFUSED/);
    expect(nowhere.stderr).not.toContain('hunter2');
  });
});

describe('claims copy', () => {
  it('moves a SQLite database into PostgreSQL: the same answers, published events not sent again, new runs after the copied ones', async () => {
    const server = await NatsServer.start();
    servers.push(server);
    expect((await run(ws.db, ['ingest', FIXTURE, ws.file('many.csv', csv(manyClaims(200, 3)))])).code).toBe(0);
    expect((await run(ws.db, ['replay', '--nats', server.url, '--limit', '50'])).code).toBe(0);
    expect((await run(ws.db, ['ingest', ws.file('bad.csv', csv([cells({ subscriber: 'S1' }), cells({ procedure: 'X\u0000Y', subscriber: 'S2' })]))])).code).toBe(3);
    const before = await answers(ws.db);

    const withPassword = pg.replace('postgres@', 'postgres:hunter2@');
    const copied = await runMain(['copy', '--db', ws.db, '--to', withPassword, '--format', 'json']);
    expect(copied.code, copied.stderr).toBe(0);
    expect(JSON.parse(copied.stdout)).toEqual([
      { from: ws.db, to: withPassword.replace('hunter2', '***'), runs: 3, claims: 202, claim_lines: 605, rejections: 1, outbox: 202 },
    ]);
    expect(copied.stderr).not.toContain('hunter2');
    expect(await answers(pg)).toEqual(before);

    // A second copy into it is refused: it holds runs now.
    const again = await runMain(['copy', '--db', ws.db, '--to', pg]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already holds runs: copy into an empty database');

    // Work goes on in PostgreSQL: the 152 events left go out once, the next run is number 4.
    const replay = await run(pg, ['replay', '--nats', server.url, '--format', 'json']);
    expect(JSON.parse(replay.stdout)).toMatchObject({ events_published: 152, events_duplicate: 0, events_left: 0 });
    expect((await server.streamInfo('CLAIMS'))?.state.messages).toBe(202);
    const next = await run(pg, ['ingest', ws.file('more.csv', csv(manyClaims(201, 3).slice(600))), '--format', 'json']);
    expect(JSON.parse(next.stdout)[0]).toMatchObject({ run_id: 4, claims_stored: 1 });
  });
});

describe('several processes on one PostgreSQL database', () => {
  it('4 ingests on overlapping files, then 2 replays, at once: each claim stored and published exactly once, no deadlock', async () => {
    const rows = manyClaims(4_000, 2);
    const parts = [rows.slice(0, 4_000), rows.slice(2_000, 6_000), rows.slice(0, 8_000), rows.slice(4_000, 8_000)];
    const files = parts.map((part, i) => ws.file(`part${i}.csv`, csv(part)));
    // A new database: the four create and migrate it at once (the advisory lock lets one migrate).
    const ingests = await Promise.all(files.map((file) => claims(['ingest', file, '--db', pg, '--format', 'json', '--log-level', 'warn'])));
    for (const result of ingests) {
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).not.toMatch(/deadlock|error/i);
    }
    // Every run accepted whole; together they stored each claim once.
    const records = ingests.map((result) => JSON.parse(result.stdout)[0] as { status: string; claims_stored: number; claims_duplicate: number });
    expect(records.map((r) => r.status)).toEqual(['completed', 'completed', 'completed', 'completed']);
    expect(records.reduce((sum, r) => sum + r.claims_stored, 0)).toBe(4_000);
    records.forEach((r, i) => expect(r.claims_stored + r.claims_duplicate).toBe(parts[i]!.length / 2));
    expect(queryRows(pg, 'select count(*) as n, count(distinct claim_id) as ids from claims')).toEqual([{ n: 4_000, ids: 4_000 }]);
    expect(queryRows(pg, 'select count(*) as n from claim_lines')).toEqual([{ n: 8_000 }]);
    expect(queryRows(pg, 'select count(*) as n from drizzle.__drizzle_migrations')).toEqual([{ n: 1 }]);

    const server = await NatsServer.start();
    servers.push(server);
    const replays = await Promise.all([1, 2].map(() => claims(['replay', '--nats', server.url, '--db', pg, '--format', 'json', '--log-level', 'warn'])));
    for (const result of replays) {
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).not.toMatch(/deadlock|error/i);
    }
    // The stream drops a repeated Nats-Msg-Id: what each replay sent counts too, so none was sent twice.
    const summaries = replays.map((result) => JSON.parse(result.stdout) as { events_published: number; events_duplicate: number });
    expect(summaries.reduce((sum, s) => sum + s.events_published, 0)).toBe(4_000);
    expect(summaries.map((s) => s.events_duplicate)).toEqual([0, 0]);
    const messages = await server.readStream('CLAIMS');
    expect(messages.length).toBe(4_000);
    expect(new Set(messages.map((m) => m.msgId)).size).toBe(4_000);
    expect(queryRows(pg, `select status, count(*) as n from outbox group by status`)).toEqual([{ status: 'published', n: 4_000 }]);
  }, 180_000);
});
