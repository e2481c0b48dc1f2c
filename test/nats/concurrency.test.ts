import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { jetstreamManager } from '@nats-io/jetstream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BIN, claims, Workspace, type CliResult } from '../helpers/cli.js';
import { csv, manyClaims } from '../helpers/inputs.js';
import { InProcessWorkspace } from '../helpers/main.js';
import { NatsServer, waitFor } from '../helpers/nats.js';

let ws: Workspace;
let server: NatsServer;
beforeEach(async () => {
  // Processes only where concurrency between processes is the point; setup and checks in-process.
  ws = new InProcessWorkspace();
  server = await NatsServer.start();
});
afterEach(async () => {
  ws.remove();
  await server.remove();
});

/** Publishes a command made (each one settled: PubAck or failure), from its summary line on stderr. */
function publishes(result: CliResult): number {
  const match = /(?:payment events|replay): ([\d,]+) events? published.*?, ([\d,]+) failed/.exec(result.stderr);
  if (!match) throw new Error(`no publish summary in:\n${result.stderr}`);
  return Number(match[1]!.replaceAll(',', '')) + Number(match[2]!.replaceAll(',', ''));
}

describe('concurrent publishers share the outbox', () => {
  it('4 ingests --nats on overlapping files and a replay at once: each event once in the stream, about one publish per event', async () => {
    const rows = manyClaims(6_000, 1);
    // Left pending by an ingest without NATS: every publisher below finds them at once.
    expect((await ws.run(['ingest', ws.file('early.csv', csv(rows.slice(0, 2_000)))])).code).toBe(0);
    const files = [rows.slice(0, 3_000), rows.slice(1_500, 4_500), rows.slice(0, 6_000), rows.slice(3_000, 6_000)].map((part, i) =>
      ws.file(`part${i}.csv`, csv(part)),
    );

    const results = await Promise.all([
      ...files.map((file) => claims(['ingest', file, '--nats', server.url, '--db', ws.db])),
      claims(['replay', '--nats', server.url, '--db', ws.db]),
    ]);
    for (const result of results) expect(result.code, result.stderr).toBe(0);

    const summary = JSON.parse((await ws.run(['report', 'summary', '--format', 'json'])).stdout);
    expect(summary).toMatchObject({ claims: 6_000, events_published: 6_000, events_pending: 0, events_failed: 0 });
    const messages = await server.readStream('CLAIMS');
    expect(messages).toHaveLength(6_000);
    expect(new Set(messages.map((m) => m.msgId)).size).toBe(6_000);

    const perEvent = results.map(publishes).reduce((a, b) => a + b, 0) / 6_000;
    console.log(`concurrent publishers: ${perEvent.toFixed(3)} publishes per event (5 processes)`);
    // Without the leases each of the 5 drained the whole outbox: several publishes per event.
    expect(perEvent).toBeLessThan(1.05);
  }, 180_000);

  it('the events a killed publisher had claimed wait for its lease to expire, then a replay delivers them once', async () => {
    const CLAIMS = 10_000;
    expect((await ws.run(['ingest', ws.file('big.csv', csv(manyClaims(CLAIMS, 1)))])).code).toBe(0);
    // A 1 s timeout: leases of 3 s.
    const child = spawn(process.execPath, [BIN, 'replay', '--nats', server.url, '--nats-timeout', '1', '--db', ws.db], { stdio: 'ignore' });
    const watcher = await server.client();
    const jsm = await jetstreamManager(watcher);
    await waitFor(async () => ((await jsm.streams.info('CLAIMS').catch(() => null))?.state.messages ?? 0) >= 1_000, 'the first events');
    await watcher.close();
    child.kill('SIGKILL');
    await once(child, 'exit');

    const summary = async () => JSON.parse((await ws.run(['report', 'summary', '--format', 'json'])).stdout);
    const killedAt = Date.now();
    const right = await ws.run(['replay', '--nats', server.url, '--nats-timeout', '1']);
    expect(right.code).toBe(0);
    const leftBehind = (await summary()).events_pending;
    // Still leased to the killed replay (unless its 3 s had passed already): left alone, not sent twice.
    if (Date.now() - killedAt < 2_000) expect(leftBehind).toBeGreaterThan(0);

    await new Promise((resolve) => setTimeout(resolve, 3_500));
    const later = await ws.run(['replay', '--nats', server.url]);
    expect(later.code).toBe(0);
    expect(await summary()).toMatchObject({ events_published: CLAIMS, events_pending: 0, events_failed: 0 });
    const messages = await server.readStream('CLAIMS');
    expect(messages).toHaveLength(CLAIMS);
    expect(new Set(messages.map((m) => m.msgId)).size).toBe(CLAIMS);
  }, 120_000);
});
