import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteStorage } from '../../src/db/storage.js';
import { defaultRuleSet } from '../../src/domain/rules.js';
import { IngestDelivery } from '../../src/events/ingest-delivery.js';
import { ingestInputs } from '../../src/ingest/ingest.js';
import { STDIN } from '../../src/ingest/read.js';
import { cells, csv } from '../helpers/inputs.js';

const rules = defaultRuleSet();
const log = pino({ enabled: false });

/** The library against the real SQLite storage, in process: what `claims ingest` does, without the binary. */
describe('ingestInputs into SQLite', () => {
  let dir: string;
  let path: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'claims-ingest-'));
    path = join(dir, 'claims.db');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const ingest = async (text: string, dryRun = false) => {
    const storage = dryRun ? await SqliteStorage.openReadOnly(path) : await SqliteStorage.open(path, log);
    try {
      const sink = storage && !dryRun ? storage.ingestSink() : null;
      const events = sink && storage ? await IngestDelivery.start(storage.outbox(), null, log) : null;
      return await ingestInputs({
        inputs: [STDIN],
        rules,
        today: '2025-06-30',
        maxErrors: null,
        stdin: Readable.from([text]),
        storage: sink ? { sink } : { dryRun: { lookup: storage?.claimLookup() ?? null } },
        events,
      });
    } finally {
      storage?.close();
    }
  };

  it('stores claims with pending events, reads them back through the report port, and finds duplicates on a dry run', async () => {
    const first = await ingest(csv([cells(), cells({ procedure: 'D0210' }), cells({ subscriber: '99', provider: '$50.00', allowed: '$40.00' })]));
    expect(first.verdict).toBe('ok');
    expect(first.runs[0]).toMatchObject({ status: 'completed', claimsStored: 2, linesStored: 3 });
    expect(first.events).toMatchObject({ configured: false, unpublished: false });
    expect(first.events!.countsFor(first.runs[0]!)).toEqual({ events_published: 0, events_pending: 2, events_failed: 0 });

    const totals = await SqliteStorage.openTotals(path, log);
    try {
      expect(await totals.reportTotals().totals()).toMatchObject({ claims: 2, lines: 3, events_pending: 2 });
    } finally {
      totals.close();
    }
    const storage = await SqliteStorage.openExisting(path, log);
    try {
      const reports = storage.reports();
      const claims = reports.listClaims({});
      expect(claims.columns).toContain('subscriber_number');
      const pages = [];
      for await (const page of claims.pages) pages.push(page);
      expect(pages.flat().map((c) => c.subscriber_number).sort()).toEqual(['3730189502', '99']);
      expect(await reports.countLines({ procedure: 'd0210' })).toBe(1);
      const empty = reports.listLines({ procedure: 'D9999' });
      expect(empty.columns).toContain('line_index');
      const none = [];
      for await (const page of empty.pages) none.push(...page);
      expect(none).toEqual([]);
      expect((await reports.listRuns({})).rows.map((r) => r.status)).toEqual(['completed']);
    } finally {
      storage.close();
    }

    const dry = await ingest(csv([cells(), cells({ procedure: 'D0210' }), cells({ subscriber: '77' })]), true);
    expect(dry.runs[0]).toMatchObject({ status: 'dry_run', runId: null, claimsStored: 1, claimsDuplicate: 1 });
    expect(dry.events).toBeNull();
  });

  it('dry-runs without creating a database', async () => {
    const dry = await ingest(csv([cells()]), true);
    expect(dry.runs[0]).toMatchObject({ status: 'dry_run', claimsStored: 1, claimsDuplicate: 0 });
    expect(await SqliteStorage.openReadOnly(path)).toBeNull();
  });
});
