import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { exitCodeFor } from '../../src/cli/exit.js';
import { cells, csv } from '../helpers/inputs.js';
import { InProcessWorkspace } from '../helpers/main.js';
import { freePort } from '../helpers/nats.js';

let ws: InProcessWorkspace;
let env: Record<string, string>;
beforeEach(async () => {
  ws = new InProcessWorkspace();
  // NATS configured (through the environment main() is given) but nothing listens there.
  env = { NATS_URL: `nats://127.0.0.1:${await freePort()}`, CLAIMS_NATS_TIMEOUT: '1' };
});
afterEach(() => ws.remove());

const good = () => ws.file('good.csv', csv([cells({ subscriber: 'C-1' })]));
const withBadRow = () => ws.file('bad.csv', csv([cells({ subscriber: 'C-2' }), cells({ subscriber: 'C-3', npi: 'x' })]));

describe('exit code precedence: 1 > 3 > 4 > 0', () => {
  it('4 when only the events could not be published (NATS configured but down)', async () => {
    const result = await ws.run(['ingest', good(), '--format', 'json'], { env });
    expect(result.code).toBe(4);
    expect(result.stderr).toContain('cannot connect to NATS at nats://127.0.0.1:');
    expect(JSON.parse(result.stdout)[0]).toMatchObject({ rows_rejected: 0, claims_stored: 1, events_pending: 1 });
  });

  it('3 wins over 4: rows rejected while NATS is configured but failing', async () => {
    const result = await ws.run(['ingest', withBadRow(), '--format', 'json'], { env });
    expect(result.code).toBe(3);
    // Both happened: a row was rejected and the stored claim's event was left to deliver.
    expect(result.stderr).toContain('cannot connect to NATS at nats://127.0.0.1:');
    expect(result.stderr).toContain('1 event left to deliver');
    expect(JSON.parse(result.stdout)[0]).toMatchObject({ rows_rejected: 1, claims_stored: 1, events_pending: 1, events_published: 0 });
  });

  it('1 wins over 3 and 4: an input refused beside rejected rows and an unreachable NATS', async () => {
    const result = await ws.run(['ingest', withBadRow(), ws.file('empty.csv', '')], { env });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('empty.csv: no header row');
    expect(result.stderr).toContain('cannot connect to NATS');
  });

  it('decides from outcomes in one place', () => {
    expect(exitCodeFor({})).toBe(0);
    expect(exitCodeFor({ eventsUnpublished: true })).toBe(4);
    expect(exitCodeFor({ rowsRejected: true, eventsUnpublished: true })).toBe(3);
    expect(exitCodeFor({ inputRefused: true, rowsRejected: true, eventsUnpublished: true })).toBe(1);
  });
});

describe('the environment main() is given', () => {
  it('is where CLAIMS_NATS_TIMEOUT is read: a bad value is a usage error naming the variable', async () => {
    const result = await ws.run(['ingest', good()], { env: { ...env, CLAIMS_NATS_TIMEOUT: 'soon' } });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("from env 'CLAIMS_NATS_TIMEOUT' is invalid");
  });

  it('is where NATS_URL is read, per call: without it the same ingest exits 0', async () => {
    expect((await ws.run(['ingest', good()], { env })).code).toBe(4);
    const other = new InProcessWorkspace();
    try {
      expect((await other.run(['ingest', good()])).code).toBe(0);
    } finally {
      other.remove();
    }
  });
});
