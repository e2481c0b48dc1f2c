import { jetstreamManager, StorageType } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InProcessWorkspace } from '../helpers/main.js';
import { cells, csv } from '../helpers/inputs.js';
import { NatsServer } from '../helpers/nats.js';

const NPIS = ['1497775530', '1234567893', '1245319599'];

/** Twelve claims over three providers, of one to three lines each, one with a quadrant. */
function multiClaimFile(prefix = 'S'): string {
  const rows: string[][] = [];
  for (let claim = 0; claim < 12; claim++) {
    for (let line = 0; line <= claim % 3; line++) {
      rows.push(
        cells({
          subscriber: `${prefix}${String(claim).padStart(6, '0')}`,
          npi: NPIS[claim % NPIS.length],
          procedure: `D${4210 + line}`,
          quadrant: line === 1 ? 'UR' : '',
          provider: `$${100 + claim}.${String(line * 25).padStart(2, '0')}`,
          allowed: '$80.00',
          coinsurance: `$${line}.50`,
        }),
      );
    }
  }
  return csv(rows);
}

let ws: InProcessWorkspace;
let server: NatsServer;
beforeEach(async () => {
  ws = new InProcessWorkspace();
  server = await NatsServer.start();
});
afterEach(async () => {
  ws.remove();
  await server.remove();
});

describe('claims ingest with NATS', () => {
  it('publishes one event per stored claim, with Nats-Msg-Id = event_id, and payloads that match claims list', async () => {
    const ingest = await ws.run(['ingest', ws.file('claims.csv', multiClaimFile()), '--nats', server.url, '--format', 'json']);
    expect(ingest.code).toBe(0);
    const [run] = JSON.parse(ingest.stdout);
    expect(run).toMatchObject({ claims_stored: 12, events_published: 12, events_pending: 0, events_failed: 0 });
    expect(ingest.stderr).toContain('payment events: 12 events published, 0 failed; 0 events left to deliver');

    const claims = JSON.parse((await ws.run(['list', '--format', 'json'])).stdout) as Record<string, unknown>[];
    const lines = JSON.parse((await ws.run(['list', '--lines', '--format', 'json'])).stdout) as Record<string, unknown>[];
    const messages = await server.readStream('CLAIMS');
    expect(messages).toHaveLength(claims.length);

    // Oldest first: the stream holds the claims in the order they were stored.
    messages.forEach((message, index) => {
      const payload = JSON.parse(message.data);
      const claim = claims[index]!;
      expect(claim.event_status).toBe('published');
      expect(message.msgId).toBe(payload.event_id);
      expect(message.subject).toBe(`claims.payment.${claim.provider_npi}`);
      expect(payload).toMatchObject({
        type: 'claim.payment_requested',
        version: 1,
        claim_id: claim.claim_id,
        claim_number: claim.claim_number,
        provider_npi: claim.provider_npi,
        service_date: claim.service_date,
        plan_group_number: claim.plan_group_number,
        subscriber_number: claim.subscriber_number,
        net_fee_cents: claim.net_fee_cents,
        net_fee: claim.net_fee,
      });
      const claimLines = lines.filter((line) => line.claim_id === claim.claim_id);
      expect(payload.lines).toEqual(
        claimLines.map((line) => ({
          line_index: line.line_index,
          line_number: line.line_number,
          service_date: line.service_date,
          submitted_procedure: line.submitted_procedure,
          quadrant: line.quadrant,
          provider_fees_cents: line.provider_fees_cents,
          allowed_fees_cents: line.allowed_fees_cents,
          member_coinsurance_cents: line.member_coinsurance_cents,
          member_copay_cents: line.member_copay_cents,
          net_fee_cents: line.net_fee_cents,
        })),
      );
    });
    expect(new Set(messages.map((m) => m.msgId)).size).toBe(12);

    const summary = JSON.parse((await ws.run(['report', 'summary', '--format', 'json', '--nats', server.url])).stdout);
    expect(summary).toMatchObject({ events_pending: 0, events_published: 12, events_failed: 0, dlq_depth: 0 });
  });

  it('publishes file by file: an accepted file goes out, a refused one leaves nothing to publish', async () => {
    const good = ws.file('good.csv', multiClaimFile('G'));
    const bad = ws.file('bad.csv', csv([cells({ subscriber: 'B1' }), cells({ subscriber: 'B2', npi: '12' }), cells({ subscriber: 'B3', npi: 'x' })]));
    const ingest = await ws.run(['ingest', good, bad, '--max-errors', '1', '--nats', server.url, '--format', 'json']);
    expect(ingest.code).toBe(1);
    const [accepted, refused] = JSON.parse(ingest.stdout);
    expect(accepted).toMatchObject({ status: 'completed', events_published: 12 });
    expect(refused).toMatchObject({ status: 'refused', events_published: 0, events_pending: 0 });
    const subscribers = (await server.readStream('CLAIMS')).map((m) => JSON.parse(m.data).subscriber_number as string);
    expect(subscribers).toHaveLength(12);
    expect(subscribers.every((s) => s.startsWith('G'))).toBe(true);
    // The good file's events went out before the bad file was read, not at the end of the command.
    const db = new Database(ws.db, { readonly: true });
    const { lastPublished } = db.prepare("select max(published_at) as lastPublished from outbox").get() as { lastPublished: string };
    const { badStarted } = db.prepare('select started_at as badStarted from runs where id = ?').get(refused.run_id) as { badStarted: string };
    db.close();
    expect(lastPublished <= badStarted).toBe(true);
  });

  it("drains earlier runs' leftovers too, oldest first", async () => {
    // Stored while NATS was not configured: pending in the outbox.
    expect((await ws.run(['ingest', ws.file('early.csv', multiClaimFile('E'))])).code).toBe(0);
    const later = await ws.run(['ingest', ws.file('later.csv', multiClaimFile('L')), '--nats', server.url, '--format', 'json']);
    expect(later.code).toBe(0);
    expect(JSON.parse(later.stdout)[0]).toMatchObject({ events_published: 12 });
    expect(later.stderr).toContain('payment events: 24 events published');
    const subscribers = (await server.readStream('CLAIMS')).map((m) => JSON.parse(m.data).subscriber_number as string);
    expect(subscribers.map((s) => s[0]).join('')).toBe('E'.repeat(12) + 'L'.repeat(12));
  });

  it('creates CLAIMS and CLAIMS_DLQ on file storage with a 6-hour duplicate window', async () => {
    expect((await ws.run(['ingest', ws.file('c.csv', multiClaimFile()), '--nats', server.url])).code).toBe(0);
    const claims = await server.streamInfo('CLAIMS');
    expect(claims?.config).toMatchObject({
      subjects: ['claims.payment.>'],
      storage: 'file',
      retention: 'limits',
      discard: 'new',
      duplicate_window: nanos(6 * 3_600_000),
    });
    const dlq = await server.streamInfo('CLAIMS_DLQ');
    expect(dlq?.config).toMatchObject({ subjects: ['claims.dlq.>'], storage: 'file' });
  });

  it("never overwrites an existing stream's configuration", async () => {
    const own = { name: 'CLAIMS', subjects: ['claims.payment.>'], storage: StorageType.Memory, duplicate_window: nanos(60_000), max_msgs: 1_000 };
    await server.withClient(async (nc) => void (await (await jetstreamManager(nc)).streams.add(own)));
    const ingest = await ws.run(['ingest', ws.file('c.csv', multiClaimFile()), '--nats', server.url]);
    expect(ingest.code).toBe(0);
    const claims = await server.streamInfo('CLAIMS');
    expect(claims?.config).toMatchObject({ storage: 'memory', duplicate_window: nanos(60_000), max_msgs: 1_000 });
    expect(claims?.state.messages).toBe(12);
  });

  it('uses existing streams with fewer replicas than --stream-replicas asks as they are, with a warning saying how to change them', async () => {
    await server.withClient(async (nc) => {
      const jsm = await jetstreamManager(nc);
      await jsm.streams.add({ name: 'CLAIMS', subjects: ['claims.payment.>'], num_replicas: 1 });
      await jsm.streams.add({ name: 'CLAIMS_DLQ', subjects: ['claims.dlq.>'], num_replicas: 1 });
    });
    const ingest = await ws.run(['ingest', ws.file('c.csv', multiClaimFile()), '--nats', server.url, '--stream-replicas', '3']);
    expect(ingest.code).toBe(0);
    expect(ingest.stderr).toContain('stream CLAIMS has 1 replica(s), --stream-replicas asks for 3: left as it is');
    expect(ingest.stderr).toContain('nats stream edit CLAIMS --replicas 3');
    expect(ingest.stderr).toContain('nats stream edit CLAIMS_DLQ --replicas 3');
    const claims = await server.streamInfo('CLAIMS');
    expect(claims?.config.num_replicas).toBe(1);
    expect(claims?.state.messages).toBe(12);
  });

  it('--stream-replicas above 1 on a single server: the stream cannot be created, exit 4, the events wait', async () => {
    const ingest = await ws.run(['ingest', ws.file('c.csv', multiClaimFile()), '--nats', server.url, '--stream-replicas', '3']);
    expect(ingest.code).toBe(4);
    expect(ingest.stderr).toContain('cannot set up stream CLAIMS');
    expect(await server.streamInfo('CLAIMS')).toBeNull();
    expect((await ws.run(['replay', '--nats', server.url])).code).toBe(0);
    expect((await server.streamInfo('CLAIMS'))?.state.messages).toBe(12);
  });

  it('--stream-replicas takes 1 to 5', async () => {
    for (const bad of ['0', '6', 'two']) {
      const run = await ws.run(['ingest', ws.file('c.csv', multiClaimFile()), '--nats', server.url, '--stream-replicas', bad]);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('must be a whole number from 1 to 5');
    }
  });
});
