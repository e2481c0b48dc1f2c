import { jetstreamManager } from '@nats-io/jetstream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InProcessWorkspace } from '../helpers/main.js';
import { csv, manyClaims } from '../helpers/inputs.js';
import { NatsServer, waitFor, type StoredMessage } from '../helpers/nats.js';

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

async function summary(): Promise<Record<string, number>> {
  return JSON.parse((await ws.run(['report', 'summary', '--format', 'json'])).stdout);
}

async function eventIds(): Promise<string[]> {
  const claims = JSON.parse((await ws.run(['list', '--format', 'json'])).stdout) as { claim_id: string }[];
  return claims.map((claim) => `evt_${claim.claim_id.slice('clm_'.length)}`);
}

/** Every event exactly once: as many messages as events, each event id once, header and payload agreeing. */
function expectEachEventOnce(messages: StoredMessage[], ids: string[]): void {
  expect(messages).toHaveLength(ids.length);
  for (const message of messages) expect(JSON.parse(message.data).event_id).toBe(message.msgId);
  expect(messages.map((m) => m.msgId).sort()).toEqual([...ids].sort());
}

describe('NATS outages', () => {
  it('server down before ingest: exit 4 with every event pending; replay delivers each once, and again nothing', async () => {
    await server.stop();
    const input = ws.file('claims.csv', csv(manyClaims(30, 2)));
    const started = Date.now();
    const ingest = await ws.run(['ingest', input, '--nats', server.url, '--format', 'json']);
    expect(ingest.code).toBe(4);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(ingest.stderr.split('\n').filter((line) => line.includes(`cannot connect to NATS at ${server.url}`))).toHaveLength(1);
    expect(ingest.stderr).toContain('30 events left to deliver: retry with `claims replay`');
    expect(JSON.parse(ingest.stdout)[0]).toMatchObject({ claims_stored: 30, events_pending: 30, events_published: 0 });
    expect(await summary()).toMatchObject({ claims: 30, events_pending: 30, events_published: 0, events_failed: 0 });

    // Still down: replay says so with exit 4 and changes nothing.
    const refused = await ws.run(['replay', '--nats', server.url]);
    expect(refused.code).toBe(4);
    expect(await summary()).toMatchObject({ events_pending: 30 });

    await server.restart();
    const replay = await ws.run(['replay', '--events', '--nats', server.url, '--format', 'json']);
    expect(replay.code).toBe(0);
    const records = JSON.parse(replay.stdout) as { status: string; stream_seq: number; duplicate: boolean }[];
    expect(records).toHaveLength(30);
    expect(records.every((r) => r.status === 'published' && !r.duplicate)).toBe(true);
    expect(records.map((r) => r.stream_seq)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(await summary()).toMatchObject({ events_pending: 0, events_published: 30 });
    expectEachEventOnce(await server.readStream('CLAIMS'), await eventIds());

    const again = await ws.run(['replay', '--events', '--nats', server.url, '--format', 'json']);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual([]);
    expect(again.stderr).toContain('replay: 0 events published, 0 failed; 0 events left to deliver');
    expect((await server.streamInfo('CLAIMS'))?.state.messages).toBe(30);
  });

  it('server killed in the middle of a publish and restarted: nothing lost, no event twice in the stream', async () => {
    const CLAIMS = 10_000;
    const input = ws.file('big.csv', csv(manyClaims(CLAIMS, 1)));
    const ingest = ws.run(['ingest', input, '--nats', server.url, '--format', 'json']);

    // Kill the server once part of the events are in the stream: the rest are in flight or waiting.
    const watcher = await server.client();
    const jsm = await jetstreamManager(watcher);
    await waitFor(async () => ((await jsm.streams.info('CLAIMS').catch(() => null))?.state.messages ?? 0) >= 1_000, 'the first events');
    await watcher.close();
    await server.stop('SIGKILL');

    const interrupted = await ingest;
    expect(interrupted.code).toBe(4);
    const [run] = JSON.parse(interrupted.stdout);
    expect(run.claims_stored).toBe(CLAIMS);
    expect(run.events_published).toBeGreaterThan(0);
    expect(run.events_published).toBeLessThan(CLAIMS);
    expect(run.events_published + run.events_pending + run.events_failed).toBe(CLAIMS);

    await server.restart();
    const replay = await ws.run(['replay', '--events', '--nats', server.url, '--format', 'json']);
    expect(replay.code).toBe(0);
    const records = JSON.parse(replay.stdout) as { status: string }[];
    expect(records).toHaveLength(CLAIMS - run.events_published);
    expect(records.every((r) => r.status === 'published')).toBe(true);
    expect(await summary()).toMatchObject({ events_pending: 0, events_failed: 0, events_published: CLAIMS });
    expectEachEventOnce(await server.readStream('CLAIMS'), await eventIds());

    const again = await ws.run(['replay', '--events', '--nats', server.url, '--format', 'json']);
    expect(JSON.parse(again.stdout)).toEqual([]);
    expect((await server.streamInfo('CLAIMS'))?.state.messages).toBe(CLAIMS);
  }, 90_000);
});
