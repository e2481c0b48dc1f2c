import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InProcessWorkspace } from '../helpers/main.js';
import { cells, csv } from '../helpers/inputs.js';
import { NatsServer, type StoredMessage } from '../helpers/nats.js';

let ws: InProcessWorkspace;
let server: NatsServer;
let published: StoredMessage[];
beforeEach(async () => {
  ws = new InProcessWorkspace();
  server = await NatsServer.start();
  const input = csv([cells({ subscriber: 'A1' }), cells({ subscriber: 'B2', npi: '1234567893' }), cells({ subscriber: 'C3', npi: '1245319599' })]);
  expect((await ws.run(['ingest', ws.file('claims.csv', input), '--nats', server.url])).code).toBe(0);
  published = await server.readStream('CLAIMS');
  expect(published).toHaveLength(3);
});
afterEach(async () => {
  ws.remove();
  await server.remove();
});

/** What a payments consumer does with a message it gives up on: publish it unchanged to the DLQ subject. */
function deadLetter(message: StoredMessage): Promise<number> {
  return server.publish(message.subject.replace(/^claims\.payment\./, 'claims.dlq.payment.'), message.data);
}

async function dlqDepth(): Promise<number> {
  const summary = await ws.run(['report', 'summary', '--format', 'json', '--nats', server.url]);
  expect(summary.code).toBe(0);
  return JSON.parse(summary.stdout).dlq_depth;
}

interface DeadLetterRecord {
  dlq_seq: number;
  event_id: string;
  from_subject: string;
  subject: string;
  status: string;
  stream_seq: number | null;
  error: string | null;
}

describe('claims replay --dlq', () => {
  it('moves dead letters back to their payment subject, where they reach CLAIMS again as the same event', async () => {
    const [first, second] = [published[1]!, published[2]!];
    await deadLetter(first);
    await deadLetter(second);
    expect(await dlqDepth()).toBe(2);

    const dryRun = await ws.run(['replay', '--dlq', '--dry-run', '--nats', server.url, '--format', 'json']);
    expect(dryRun.code).toBe(0);
    expect((JSON.parse(dryRun.stdout) as DeadLetterRecord[]).map((r) => [r.dlq_seq, r.status])).toEqual([
      [1, 'would_republish'],
      [2, 'would_republish'],
    ]);
    expect(dryRun.stderr).toContain('replay --dlq --dry-run: 2 dead letters in CLAIMS_DLQ; nothing was moved');
    expect(await dlqDepth()).toBe(2);
    expect((await server.streamInfo('CLAIMS'))?.state.messages).toBe(3);

    const one = await ws.run(['replay', '--dlq', '--events', '--limit', '1', '--nats', server.url, '--format', 'json']);
    expect(one.code).toBe(0);
    const firstEventId = JSON.parse(first.data).event_id as string;
    expect(JSON.parse(one.stdout)).toEqual([
      {
        dlq_seq: 1,
        event_id: firstEventId,
        from_subject: 'claims.dlq.payment.1234567893',
        subject: 'claims.payment.1234567893',
        status: 'republished',
        stream_seq: 4,
        error: null,
      },
    ]);
    expect(one.stderr).toContain('replay --dlq: 1 dead letter republished, 0 failed; 1 left in CLAIMS_DLQ');
    expect(await dlqDepth()).toBe(1);

    // A new message in CLAIMS (not dropped as a duplicate of the event id), payload byte for byte.
    const republished = (await server.readStream('CLAIMS'))[3]!;
    expect(republished).toMatchObject({ seq: 4, subject: first.subject, msgId: `${firstEventId}:dlq:1`, data: first.data });

    const rest = await ws.run(['replay', '--dlq', '--events', '--nats', server.url, '--format', 'json']);
    expect((JSON.parse(rest.stdout) as DeadLetterRecord[]).map((r) => [r.dlq_seq, r.status, r.stream_seq])).toEqual([[2, 'republished', 5]]);
    expect(await dlqDepth()).toBe(0);

    const again = await ws.run(['replay', '--dlq', '--events', '--nats', server.url, '--format', 'json']);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual([]);
    expect((await server.streamInfo('CLAIMS'))?.state.messages).toBe(5);

    // Dead-lettered once more later, the same event goes back once more.
    await deadLetter(first);
    const later = JSON.parse((await ws.run(['replay', '--dlq', '--events', '--nats', server.url, '--format', 'json'])).stdout) as DeadLetterRecord[];
    expect(later).toMatchObject([{ dlq_seq: 3, event_id: firstEventId, status: 'republished', stream_seq: 6 }]);
    expect((await server.readStream('CLAIMS'))[5]).toMatchObject({ msgId: `${firstEventId}:dlq:3`, data: first.data });
  });

  it('leaves a dead letter that is not a payment event in CLAIMS_DLQ and exits 4', async () => {
    await server.publish('claims.dlq.payment.1497775530', 'not json');
    await deadLetter(published[0]!);
    await server.publish('claims.dlq.payment.1497775530', JSON.stringify({ event_id: '' }));
    // The dry run says what the real run then does, letter by letter.
    const dryRun = await ws.run(['replay', '--dlq', '--dry-run', '--nats', server.url, '--format', 'json']);
    expect(JSON.parse(dryRun.stdout) as DeadLetterRecord[]).toMatchObject([
      { dlq_seq: 1, status: 'would_fail', error: expect.stringMatching(/^not a payment event/) },
      { dlq_seq: 2, status: 'would_republish', error: null },
      { dlq_seq: 3, status: 'would_fail', error: expect.stringMatching(/^not a payment event/) },
    ]);
    const replay = await ws.run(['replay', '--dlq', '--events', '--nats', server.url, '--format', 'json']);
    expect(replay.code).toBe(4);
    expect((JSON.parse(replay.stdout) as DeadLetterRecord[]).map((r) => [r.dlq_seq, r.status])).toEqual([
      [1, 'failed'],
      [2, 'republished'],
      [3, 'failed'],
    ]);
    expect(replay.stderr).toContain('2 failed; 2 left in CLAIMS_DLQ');
    expect(await dlqDepth()).toBe(2);

    // Without --events: one summary record.
    const summary = await ws.run(['replay', '--dlq', '--nats', server.url, '--format', 'json']);
    expect(summary.code).toBe(4);
    expect(JSON.parse(summary.stdout)).toEqual({ dead_letters_republished: 0, dead_letters_failed: 2, dlq_depth: 2, stopped: null });
  });
});

describe('claims report summary with NATS', () => {
  it('prints everything but dlq_depth when NATS is unreachable, says so and exits 4', async () => {
    await server.stop();
    const summary = await ws.run(['report', 'summary', '--format', 'json', '--nats', server.url]);
    expect(summary.code).toBe(4);
    expect(JSON.parse(summary.stdout)).toMatchObject({ claims: 3, events_published: 3, dlq_depth: null });
    expect(summary.stderr).toContain(`cannot connect to NATS at ${server.url}`);
    expect(summary.stderr).toContain('dlq_depth unknown');
  });

  it('has dlq_depth null when NATS is not configured', async () => {
    const summary = await ws.run(['report', 'summary', '--format', 'json']);
    expect(summary.code).toBe(0);
    expect(JSON.parse(summary.stdout)).toMatchObject({ dlq_depth: null });
  });
});
