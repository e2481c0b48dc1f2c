import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Workspace } from '../helpers/cli.js';
import { csv, manyClaims } from '../helpers/inputs.js';
import { runMain } from '../helpers/main.js';
import { NatsServer, waitFor } from '../helpers/nats.js';

/** The default --nats-timeout is 10 s: a frozen server must end a command well before a person gives up. */
const BOUND_MS = 20_000;

let ws: Workspace;
let server: NatsServer;
beforeEach(async () => {
  ws = new Workspace();
  server = await NatsServer.start();
});
afterEach(async () => {
  server.thaw();
  ws.remove();
  await server.remove();
});

/** The commands under test run as processes (a frozen server must not keep one alive); set-up and checks in this one. */
const here = (args: string[]) => runMain([...args, '--db', ws.db]);

interface Summary {
  events_published: number;
  events_pending: number;
  events_failed: number;
}

async function summary(): Promise<Summary> {
  return JSON.parse((await here(['report', 'summary', '--format', 'json'])).stdout);
}

/** Freezes the server once `count` events are in CLAIMS: some are acknowledged, the rest in flight or waiting. */
async function freezeAfter(count: number): Promise<number> {
  const watcher = await server.client();
  const jsm = await jetstreamManager(watcher);
  await waitFor(async () => ((await jsm.streams.info('CLAIMS').catch(() => null))?.state.messages ?? 0) >= count, `${count} events`, 60_000);
  await watcher.close();
  server.freeze();
  return Date.now();
}

/** After the server wakes, one replay delivers what is left and the stream holds every event once. */
async function expectReplayDeliversAll(claims: number): Promise<void> {
  server.thaw();
  const replay = await here(['replay', '--nats', server.url]);
  expect(replay.code).toBe(0);
  expect(await summary()).toMatchObject({ events_pending: 0, events_failed: 0, events_published: claims });
  const messages = await server.readStream('CLAIMS');
  expect(new Set(messages.map((m) => m.msgId)).size).toBe(claims);
  expect(messages).toHaveLength(claims);
}

describe('a frozen NATS server (SIGSTOP) never hangs a command', () => {
  it('ingest frozen part way through publishing: exit 4 within the bound, one line, nothing lost; replay delivers after', async () => {
    const CLAIMS = 10_000;
    const input = ws.file('big.csv', csv(manyClaims(CLAIMS, 1)));
    const ingest = ws.run(['ingest', input, '--nats', server.url, '--format', 'json']);
    const frozenAt = await freezeAfter(1_000);

    const result = await ingest;
    expect(Date.now() - frozenAt).toBeLessThan(BOUND_MS);
    expect(result.code).toBe(4);
    const lines = result.stderr.split('\n').filter((line) => line.startsWith('payment events:'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/\(stopped: no PubAck within 10s\): retry with `claims replay`$/);
    const [run] = JSON.parse(result.stdout);
    expect(run.claims_stored).toBe(CLAIMS);
    expect(run.events_published + run.events_pending + run.events_failed).toBe(CLAIMS);
    expect(run.events_published).toBeLessThan(CLAIMS);

    await expectReplayDeliversAll(CLAIMS);
  }, 120_000);

  it('replay frozen part way: exit 4 within the bound; the rest stays deliverable and a later replay sends it', async () => {
    const CLAIMS = 10_000;
    expect((await here(['ingest', ws.file('big.csv', csv(manyClaims(CLAIMS, 1)))])).code).toBe(0);
    // A small --nats-timeout: this test is about the bound being honoured (the first one asserts the default).
    const replay = ws.run(['replay', '--nats', server.url, '--nats-timeout', '1']);
    const frozenAt = await freezeAfter(1_000);

    const result = await replay;
    expect(Date.now() - frozenAt).toBeLessThan(BOUND_MS);
    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(/^replay: .* left to deliver \(stopped: no PubAck within 1s\)$/m);
    const after = await summary();
    expect(after.events_published).toBeLessThan(CLAIMS);
    expect(after.events_published + after.events_pending + after.events_failed).toBe(CLAIMS);

    await expectReplayDeliversAll(CLAIMS);
  }, 120_000);

  it('frozen before the command: report summary, replay and replay --dlq each exit 4 with one line', async () => {
    expect((await here(['ingest', ws.file('c.csv', csv(manyClaims(5, 1)))])).code).toBe(0);
    server.freeze();
    // The first at the default (a handshake waits at most 3 s), the others with a small --nats-timeout.
    const commands: [string[], string][] = [
      [['report', 'summary', '--format', 'json'], '3s'],
      [['replay', '--nats-timeout', '1'], '1s'],
      [['replay', '--dlq', '--nats-timeout', '1'], '1s'],
    ];
    for (const [args, bound] of commands) {
      const started = Date.now();
      const result = await ws.run([...args, '--nats', server.url]);
      expect(Date.now() - started, args.join(' ')).toBeLessThan(BOUND_MS);
      expect(result.code, args.join(' ')).toBe(4);
      // One line: a JSON log entry here (stderr is not a terminal).
      const shown = result.stderr.split('\n').filter((line) => line !== '');
      expect(shown.map((line) => (JSON.parse(line) as { msg: string }).msg)).toEqual([
        expect.stringMatching(new RegExp(`^cannot connect to NATS at ${server.url}: no answer within ${bound}`)),
      ]);
    }
    const fromEnv = await ws.run(['replay', '--nats', server.url], { env: { CLAIMS_NATS_TIMEOUT: '0.5' } });
    expect(fromEnv.code).toBe(4);
    expect(fromEnv.stderr).toContain('no answer within 0.5s');
    expect(await summary()).toMatchObject({ events_pending: 5 });
    await expectReplayDeliversAll(5);
  }, 120_000);

  it('replay --dlq frozen part way: exit 4 within the bound with one line; after the thaw the rest moves, each letter once', async () => {
    const LETTERS = 10_000;
    // A dead-letter replay creates the streams (and needs no database).
    expect((await here(['replay', '--dlq', '--nats', server.url])).code).toBe(0);
    await server.withClient(async (nc) => {
      const js = jetstream(nc);
      // A thousand at a time, each with time to spare: 10,000 requests at once on a loaded CI machine
      // left some PubAcks past the client's default 5 s.
      for (let from = 0; from < LETTERS; from += 1_000) {
        const acks = Array.from({ length: Math.min(1_000, LETTERS - from) }, (_, i) =>
          js.publish('claims.dlq.payment.1497775530', JSON.stringify({ event_id: `evt_${from + i}` }), { timeout: 60_000 }),
        );
        await Promise.all(acks);
      }
    });
    // A small --nats-timeout: this test is about the bound being honoured (the first one asserts the default).
    const replay = ws.run(['replay', '--dlq', '--nats', server.url, '--nats-timeout', '2']);
    const frozenAt = await freezeAfter(500);

    const result = await replay;
    expect(Date.now() - frozenAt).toBeLessThan(BOUND_MS);
    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(/^replay --dlq: .* republished, .* failed; stopped: no answer from NATS within 2s$/m);

    server.thaw();
    const rest = await here(['replay', '--dlq', '--nats', server.url]);
    expect(rest.code).toBe(0);
    expect(rest.stderr).toContain('; 0 left in CLAIMS_DLQ');
    const messages = await server.readStream('CLAIMS');
    expect(messages).toHaveLength(LETTERS);
    expect(new Set(messages.map((m) => JSON.parse(m.data).event_id)).size).toBe(LETTERS);
  }, 120_000);

  it('--nats-timeout and CLAIMS_NATS_TIMEOUT take seconds above 0; anything else is a usage error', async () => {
    for (const bad of ['0', '-1', 'ten', '1s']) {
      const result = await runMain(['report', 'summary', '--nats-timeout', bad, '--db', ws.db]);
      expect(result.code, bad).toBe(2);
      expect(result.stderr).toContain('--nats-timeout');
    }
    // From the environment main() is given.
    const fromEnv = await runMain(['report', 'summary', '--db', ws.db], { env: { CLAIMS_NATS_TIMEOUT: 'soon' } });
    expect(fromEnv.code).toBe(2);
    expect(fromEnv.stderr).toContain('--nats-timeout');
  });
});
