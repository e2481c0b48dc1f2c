import { jetstream } from '@nats-io/jetstream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { queryRows, start, waitForCount, Workspace, type CliResult } from '../helpers/cli.js';
import { csv, manyClaims } from '../helpers/inputs.js';
import { InProcessWorkspace } from '../helpers/main.js';
import { NatsServer, waitFor } from '../helpers/nats.js';

// The interrupted ingest or replay is a spawned process (it gets the signal); the rest runs in-process.
let ws: Workspace;
beforeEach(() => {
  ws = new InProcessWorkspace();
});
afterEach(() => ws.remove());

/** The outbox straight from the file, while a replay writes it. */
function outboxState(target: string): { published: number; pending: number; leased: number } {
  const [state] = queryRows(
    target,
    `select count(case when status = 'published' then 1 end) as published,
            count(case when status in ('pending', 'failed') then 1 end) as pending,
            count(lease_owner) as leased from outbox`,
  );
  return state as { published: number; pending: number; leased: number };
}

describe('signals while publishing', () => {
  let server: NatsServer;
  beforeEach(async () => {
    server = await NatsServer.start();
  });
  afterEach(async () => {
    await server.remove();
  });

  /** Starts `claims args`, sends `signal` once it has recorded more than `after` published events, and waits for its end. */
  function interruptPublishing(args: string[], signal: NodeJS.Signals, after: number): Promise<CliResult> {
    const published = "select count(*) as n from outbox where status = 'published'";
    return interruptWhen(args, signal, () => waitForCount(ws.db, published, (n) => n > after, `more than ${after} events published`));
  }

  /** Starts `claims args`, sends `signal` once `started` resolves, and waits for its end. */
  async function interruptWhen(args: string[], signal: NodeJS.Signals, started: () => Promise<unknown>): Promise<CliResult> {
    const { child, done } = start([...args, '--nats', server.url, '--db', ws.db, '--log-level', 'warn']);
    await started();
    child.kill(signal);
    const result = await Promise.race([done, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 20_000))]);
    if (result !== 'hung') return result;
    child.kill('SIGKILL');
    return { ...(await done), code: -1 };
  }

  it('SIGINT and SIGTERM stop publishing, record what was sent, free the leases and exit 130 and 143; the next replay sends the rest once', async () => {
    const claims = 10_000;
    expect((await ws.run(['ingest', ws.file('many.csv', csv(manyClaims(claims, 1))), '-q', '--log-level', 'silent'])).code).toBe(0);

    let published = 0;
    for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
      const stopped = await interruptPublishing(['replay'], signal, published);
      expect(stopped.code).toBe(code);
      expect(stopped.stderr).toContain('interrupted; run the same command again to finish');
      expect(stopped.stderr).not.toContain('    at ');
      // What it did before it stopped, and no event left leased by the dead replay.
      expect(stopped.stderr).toMatch(/replay: [\d,]+ events? published/);
      const state = outboxState(ws.db);
      expect(state.leased).toBe(0);
      expect(state.published).toBeGreaterThan(published);
      expect(state.pending).toBeGreaterThan(0);
      expect(state.published + state.pending).toBe(claims);
      expect((await server.streamInfo('CLAIMS'))?.state.messages).toBe(state.published);
      published = state.published;
    }

    const rest = await ws.run(['replay', '--nats', server.url, '--format', 'json', '--log-level', 'silent']);
    expect(rest.code).toBe(0);
    expect(JSON.parse(rest.stdout)).toMatchObject({ events_published: claims - published, events_duplicate: 0, events_left: 0 });
    expect(outboxState(ws.db)).toEqual({ published: claims, pending: 0, leased: 0 });
    expect((await server.streamInfo('CLAIMS'))?.state.messages).toBe(claims);
  }, 180_000);

  it('SIGHUP during the publishing of ingest --nats stops it there: the claims stay stored, exit 129, the same ingest again sends the rest', async () => {
    const claims = 10_000;
    const input = ws.file('many.csv', csv(manyClaims(claims, 1)));
    const stopped = await interruptPublishing(['ingest', input, '--format', 'json'], 'SIGHUP', 0);
    expect(stopped.code).toBe(129);
    expect(stopped.stderr).toContain('interrupted; run the same command again to finish');
    expect(stopped.stderr).toMatch(/payment events: [\d,]+ events? published.*\(stopped: interrupted by SIGHUP\)/);
    expect(JSON.parse(stopped.stdout)[0]).toMatchObject({ status: 'completed', claims_stored: claims });
    const state = outboxState(ws.db);
    expect(state).toMatchObject({ leased: 0, published: expect.any(Number) });
    expect(state.published).toBeGreaterThan(0);
    expect(state.pending).toBeGreaterThan(0);
    expect((await server.streamInfo('CLAIMS'))?.state.messages).toBe(state.published);

    const again = await ws.run(['ingest', input, '--nats', server.url, '--format', 'json', '--log-level', 'silent']);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)[0]).toMatchObject({ claims_stored: 0, claims_duplicate: claims });
    expect(outboxState(ws.db)).toEqual({ published: claims, pending: 0, leased: 0 });
    expect((await server.streamInfo('CLAIMS'))?.state.messages).toBe(claims);
  }, 180_000);

  it('SIGINT during replay --dlq stops after the letters in hand: exit 130, none lost, the next replay --dlq moves the rest once', async () => {
    const letters = 6_000;
    expect((await ws.run(['ingest', ws.file('many.csv', csv(manyClaims(letters, 1))), '--nats', server.url, '-q', '--log-level', 'silent'])).code).toBe(0);
    const events = await server.readStream('CLAIMS');
    // What a payments consumer does with each message it gives up on.
    await server.withClient(async (nc) => {
      const js = jetstream(nc);
      for (let i = 0; i < events.length; i += 500) {
        // With time to spare: on a loaded CI machine a PubAck can come after the client's default 5 s.
        const acks = events.slice(i, i + 500).map((m) => js.publish(m.subject.replace(/^claims\.payment\./, 'claims.dlq.payment.'), m.data, { timeout: 60_000 }));
        await Promise.all(acks);
      }
    });
    const depth = async () => (await server.streamInfo('CLAIMS_DLQ'))?.state.messages ?? 0;
    expect(await depth()).toBe(letters);

    const stopped = await interruptWhen(['replay', '--dlq'], 'SIGINT', () => waitFor(async () => (await depth()) < letters, 'the first letters moved', 60_000));
    expect(stopped.code).toBe(130);
    expect(stopped.stderr).toContain('interrupted; run the same command again to finish');
    expect(stopped.stderr).toMatch(/replay --dlq: [\d,]+ dead letters? republished, 0 failed; stopped: interrupted by SIGINT/);
    const left = await depth();
    expect(left).toBeGreaterThan(0);
    expect((await server.streamInfo('CLAIMS'))?.state.messages).toBe(letters + (letters - left));

    const rest = await ws.run(['replay', '--dlq', '--nats', server.url, '--format', 'json', '--log-level', 'silent']);
    expect(rest.code).toBe(0);
    expect(JSON.parse(rest.stdout)).toMatchObject({ dead_letters_republished: left, dead_letters_failed: 0, dlq_depth: 0 });
    expect((await server.streamInfo('CLAIMS'))?.state.messages).toBe(2 * letters);
  }, 180_000);
});
