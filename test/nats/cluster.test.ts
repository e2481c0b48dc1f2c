import { jetstreamManager } from '@nats-io/jetstream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Workspace } from '../helpers/cli.js';
import { csv, manyClaims } from '../helpers/inputs.js';
import { NatsCluster, waitFor } from '../helpers/nats.js';

let ws: Workspace;
let cluster: NatsCluster;
beforeEach(async () => {
  ws = new Workspace();
  cluster = await NatsCluster.start(3);
});
afterEach(async () => {
  ws.remove();
  await cluster?.remove();
});

async function summary(): Promise<Record<string, number>> {
  return JSON.parse((await ws.run(['report', 'summary', '--format', 'json'])).stdout);
}

describe('a 3-node JetStream cluster', () => {
  it('a node killed in the middle of an ingest: every event in the stream once, after at most one replay', async () => {
    // Enough that publishing is still going when the first 1,000 are seen, on a loaded machine too.
    const CLAIMS = 50_000;
    const input = ws.file('big.csv', csv(manyClaims(CLAIMS, 1)));
    const nats = ['--nats', cluster.urls, '--stream-replicas', '3'];
    const ingest = ws.run(['ingest', input, ...nats, '--format', 'json']);

    // Once part of the events are in the stream, kill (SIGKILL) the node serving claims: it must reconnect.
    const watcher = await cluster.nodes[0]!.client();
    const jsm = await jetstreamManager(watcher);
    await waitFor(async () => ((await jsm.streams.info('CLAIMS').catch(() => null))?.state.messages ?? 0) >= 1_000, 'the first events');
    expect((await jsm.streams.info('CLAIMS')).config.num_replicas).toBe(3);
    await watcher.close();
    const serving = await cluster.nodeServing('claims');
    expect(serving).not.toBeNull();
    await serving!.stop('SIGKILL');
    const survivor = cluster.nodes.find((node) => node !== serving)!;

    const ingested = await ingest;
    expect([0, 4]).toContain(ingested.code);
    const [run] = JSON.parse(ingested.stdout);
    expect(run.claims_stored).toBe(CLAIMS);
    expect(run.events_published + run.events_pending + run.events_failed).toBe(CLAIMS);
    // Replayed once the surviving nodes serve the stream again (a new leader, slower on a loaded machine).
    const served = async () => (await survivor.streamInfo('CLAIMS').catch(() => null)) !== null;
    if (ingested.code === 4) {
      await waitFor(served, 'a leader for CLAIMS', 60_000);
      expect((await ws.run(['replay', ...nats])).code).toBe(0);
    }
    expect(await summary()).toMatchObject({ events_published: CLAIMS, events_pending: 0, events_failed: 0 });

    const messages = await survivor.readStream('CLAIMS');
    expect(messages).toHaveLength(CLAIMS);
    expect(new Set(messages.map((m) => m.msgId)).size).toBe(CLAIMS);
    for (const message of messages) expect(JSON.parse(message.data).event_id).toBe(message.msgId);
  }, 90_000);
});
