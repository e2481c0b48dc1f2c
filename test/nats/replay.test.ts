import { DiscardPolicy, jetstreamManager } from '@nats-io/jetstream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InProcessWorkspace } from '../helpers/main.js';
import { csv, manyClaims } from '../helpers/inputs.js';
import { NatsServer } from '../helpers/nats.js';

let ws: InProcessWorkspace;
let server: NatsServer;
beforeEach(async () => {
  ws = new InProcessWorkspace();
  server = await NatsServer.start();
  // Ten claims stored with no NATS configured: ten pending events.
  expect((await ws.run(['ingest', ws.file('claims.csv', csv(manyClaims(10, 2)))])).code).toBe(0);
});
afterEach(async () => {
  ws.remove();
  await server.remove();
});

interface EventRecord {
  seq: number;
  event_id: string;
  claim_id: string;
  subject: string;
  status: string;
  attempts: number;
  stream_seq: number | null;
  duplicate: boolean | null;
  error: string | null;
}

async function storedClaimIds(): Promise<string[]> {
  return (JSON.parse((await ws.run(['list', '--format', 'json'])).stdout) as { claim_id: string }[]).map((c) => c.claim_id);
}

describe('claims replay', () => {
  it('--dry-run lists every pending event, oldest first, sends nothing and needs no NATS', async () => {
    const dryRun = await ws.run(['replay', '--dry-run', '--format', 'json']);
    expect(dryRun.code).toBe(0);
    const records = JSON.parse(dryRun.stdout) as EventRecord[];
    expect(records.map((r) => r.claim_id)).toEqual(await storedClaimIds());
    expect(records.map((r) => r.seq)).toEqual([...records.map((r) => r.seq)].sort((a, b) => a - b));
    expect(records[0]).toMatchObject({ status: 'pending', attempts: 0, stream_seq: null, subject: 'claims.payment.1497775530', error: null });
    expect(dryRun.stderr).toContain('replay --dry-run: 10 events would be published; nothing was sent');

    const limited = JSON.parse((await ws.run(['replay', '--dry-run', '--limit', '3', '--format', 'json'])).stdout) as EventRecord[];
    expect(limited).toEqual(records.slice(0, 3));

    // With NATS given, still nothing is sent.
    expect((await ws.run(['replay', '--dry-run', '--nats', server.url])).code).toBe(0);
    expect(await server.streamInfo('CLAIMS')).toBeNull();
    expect(JSON.parse((await ws.run(['report', 'summary', '--format', 'json'])).stdout)).toMatchObject({ events_pending: 10 });
  });

  it('--limit publishes the oldest events first and leaves the rest pending', async () => {
    const ids = await storedClaimIds();
    const first = await ws.run(['replay', '--events', '--limit', '4', '--nats', server.url, '--format', 'csv']);
    expect(first.code).toBe(0);
    const [header, ...rows] = first.stdout.trim().split('\n');
    expect(header).toBe('seq,event_id,claim_id,subject,status,attempts,stream_seq,duplicate,error');
    expect(rows.map((row) => row.split(',')[2])).toEqual(ids.slice(0, 4));
    expect(rows.every((row) => row.split(',')[4] === 'published')).toBe(true);
    expect(first.stderr).toContain('replay: 4 events published, 0 failed; 6 events left to deliver');

    const streamed = await server.readStream('CLAIMS');
    expect(streamed.map((m) => JSON.parse(m.data).claim_id)).toEqual(ids.slice(0, 4));
    expect(JSON.parse((await ws.run(['report', 'summary', '--format', 'json'])).stdout)).toMatchObject({
      events_pending: 6,
      events_published: 4,
    });

    const rest = JSON.parse((await ws.run(['replay', '--events', '--nats', server.url, '--format', 'json'])).stdout) as EventRecord[];
    expect(rest.map((r) => r.claim_id)).toEqual(ids.slice(4));
    expect(rest.map((r) => r.stream_seq)).toEqual([5, 6, 7, 8, 9, 10]);
    expect(rest.every((r) => r.attempts === 1)).toBe(true);
  });

  it('prints one summary record, not a record per event (those need --events)', async () => {
    const replay = await ws.run(['replay', '--limit', '4', '--nats', server.url, '--format', 'json']);
    expect(replay.code).toBe(0);
    expect(JSON.parse(replay.stdout)).toEqual({ events_published: 4, events_duplicate: 0, events_failed: 0, events_left: 6, stopped: null });
    const csvSummary = await ws.run(['replay', '--nats', server.url, '--format', 'csv']);
    expect(csvSummary.stdout).toBe('events_published,events_duplicate,events_failed,events_left,stopped\n6,0,0,0,\n');
    expect((await server.streamInfo('CLAIMS'))?.state.messages).toBe(10);
  });

  it('takes the servers from NATS_URL; without any it is a usage error', async () => {
    const missing = await ws.run(['replay']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('replay needs a NATS server: give --nats <url> or set NATS_URL');
    const fromEnv = await ws.run(['replay', '-q', '--log-level', 'warn'], { env: { NATS_URL: server.url } });
    expect(fromEnv.code).toBe(0);
    expect(fromEnv.stderr).toBe('');
    expect(fromEnv.stdout).toBe('');
    expect((await server.streamInfo('CLAIMS'))?.state.messages).toBe(10);
  });

  it('marks events failed with the reason and attempt count when JetStream refuses them, and exits 4', async () => {
    // A stream of our own, full after 3 messages and refusing more: the 7 others fail.
    await server.withClient(async (nc) => {
      await (await jetstreamManager(nc)).streams.add({ name: 'CLAIMS', subjects: ['claims.payment.>'], max_msgs: 3, discard: DiscardPolicy.New });
    });
    const replay = await ws.run(['replay', '--events', '--nats', server.url, '--format', 'json']);
    expect(replay.code).toBe(4);
    const records = JSON.parse(replay.stdout) as EventRecord[];
    expect(records.filter((r) => r.status === 'published')).toHaveLength(3);
    const failed = records.filter((r) => r.status === 'failed');
    expect(failed).toHaveLength(7);
    expect(failed[0]).toMatchObject({ attempts: 1, stream_seq: null, error: expect.stringMatching(/maximum messages exceeded/) });
    expect(replay.stderr).toContain('replay: 3 events published, 7 failed; 7 events left to deliver');
    expect(JSON.parse((await ws.run(['report', 'summary', '--format', 'json'])).stdout)).toMatchObject({
      events_published: 3,
      events_failed: 7,
      events_pending: 0,
    });

    // Failed events are retried by the next replay, counting attempts.
    const dryRun = JSON.parse((await ws.run(['replay', '--dry-run', '--format', 'json'])).stdout) as EventRecord[];
    expect(dryRun).toHaveLength(7);
    expect(dryRun[0]).toMatchObject({ status: 'failed', attempts: 1, error: expect.stringMatching(/maximum messages exceeded/) });
    const retry = JSON.parse((await ws.run(['replay', '--events', '--nats', server.url, '--limit', '1', '--format', 'json'])).stdout) as EventRecord[];
    expect(retry[0]).toMatchObject({ status: 'failed', attempts: 2 });
  });
});
