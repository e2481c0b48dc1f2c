import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { defaultRuleSet } from '../../src/domain/rules.js';
import { InterruptedError } from '../../src/errors.js';
import { ingestInputs, runLogFields, verdict } from '../../src/ingest/ingest.js';
import { ingestInput, type IngestStorage, type RunSummary } from '../../src/ingest/pipeline.js';
import type { RejectsSink } from '../../src/ingest/ports.js';
import { STDIN } from '../../src/ingest/read.js';
import { cells, csv } from '../helpers/inputs.js';
import { FakeSink } from './ingest-fake-sink.js';

const TODAY = '2025-06-30';
const FIXTURE = fileURLToPath(new URL('../../fixtures/claim_1234.csv', import.meta.url));
const rules = defaultRuleSet();

function run(text: string, storage: IngestStorage, extra: { maxErrors?: number; rejects?: RejectsSink; stop?: AbortSignal } = {}) {
  return ingestInput(
    { source: STDIN, format: 'csv', rules, today: TODAY, maxErrors: extra.maxErrors ?? null },
    { stdin: Readable.from([text]), storage, rejects: extra.rejects ?? null, stop: extra.stop },
  );
}

describe('ingestInput (one input through the stages, into a sink)', () => {
  it('stores the claim_1234.csv fixture as one claim of four lines with net fee 116.85', async () => {
    const sink = new FakeSink();
    const progress: number[] = [];
    const summary = await ingestInput(
      { source: FIXTURE, format: 'csv', rules, today: TODAY, maxErrors: null },
      { stdin: Readable.from([]), storage: { sink }, rejects: null, onProgress: (rows) => progress.push(rows) },
    );
    expect(summary).toMatchObject({ status: 'completed', runId: 1, rowsRead: 4, claimsStored: 1, linesStored: 4, netFeeCents: 11685, rowsRejected: 0 });
    const [stored] = [...sink.claims.values()];
    expect(stored!.stored.rows).toEqual([2, 3, 4, 5]);
    expect(stored!.stored.claim.lines.map((l) => [l.submitted_procedure, l.quadrant, l.net_fee_cents])).toEqual([
      ['D0180', null, 0],
      ['D0210', null, 0],
      ['D4346', null, 8125],
      ['D4211', 'UR', 3560],
    ]);
    expect(sink.runs.get(1)).toMatchObject({ status: 'completed', counts: { rowsRead: 4, claimsStored: 1 } });
    expect(progress.at(-1)).toBe(4);
  });

  it('rejects a whole claim with a bad line, to the sink and the rejects sink, and stores the rest', async () => {
    const sink = new FakeSink();
    const rejected: number[] = [];
    const summary = await run(csv([cells(), cells({ provider: 'lots' }), cells({ subscriber: '99' })]), { sink }, { rejects: { write: (_h, row) => rejected.push(row.row) } });
    expect(summary).toMatchObject({ rowsRead: 3, rowsRejected: 2, claimsRejected: 1, claimsStored: 1, linesStored: 1 });
    expect(summary.sampleRejections.map((f) => f.row)).toEqual([2, 3]);
    expect(sink.rejections.map((r) => [r.row, r.errors[0]!.rule])).toEqual([
      [2, 'claim_rejected'],
      [3, 'money_format'],
    ]);
    expect(rejected).toEqual([2, 3]);
  });

  it('refuses an input past --max-errors and leaves nothing of it in the sink', async () => {
    const sink = new FakeSink();
    const summary = await run(csv([cells({ npi: '1' }), cells({ subscriber: '99' }), cells({ subscriber: '98', npi: '2' })]), { sink }, { maxErrors: 1 });
    expect(summary).toMatchObject({ status: 'refused', claimsStored: 0, rowsRejected: 2, error: expect.stringContaining('--max-errors') });
    expect(sink.runs.get(1)).toMatchObject({ status: 'refused' });
    expect(sink.claims.size).toBe(0);
    expect(sink.rejections).toEqual([]);
  });

  it('logs a run by its counts only, its id first (a pretty log prints them in this order)', async () => {
    const summary = await run(csv([cells(), cells({ npi: '1' })]), { sink: new FakeSink() });
    expect(Object.keys(runLogFields(summary))).toEqual([
      'runId',
      'source',
      'inputFormat',
      'status',
      'rowsRead',
      'rowsRejected',
      'claimsStored',
      'claimsDuplicate',
      'claimsRejected',
      'linesStored',
      'netFeeCents',
      'warnings',
      'error',
    ]);
  });

  it('refuses an empty input', async () => {
    const summary = await run('', { sink: new FakeSink() });
    expect(summary).toMatchObject({ status: 'refused', error: expect.stringContaining('no header row') });
  });

  it('counts claims already stored as duplicates, in a later run and on a dry run', async () => {
    const sink = new FakeSink();
    const input = csv([cells(), cells({ subscriber: '99' })]);
    expect(await run(input, { sink })).toMatchObject({ claimsStored: 2, claimsDuplicate: 0 });
    expect(await run(input, { sink })).toMatchObject({ status: 'completed', claimsStored: 0, claimsDuplicate: 2 });
    const dry = await run(csv([cells(), cells({ subscriber: '77' })]), { dryRun: { lookup: sink } });
    expect(dry).toMatchObject({ status: 'dry_run', runId: null, claimsStored: 1, claimsDuplicate: 1 });
    expect(sink.runs.size).toBe(2);
  });

  it('stops when asked, abandoning the run as interrupted', async () => {
    const sink = new FakeSink();
    const stop = new AbortController();
    stop.abort('SIGTERM');
    await expect(run(csv([cells()]), { sink }, { stop: stop.signal })).rejects.toBeInstanceOf(InterruptedError);
    expect(sink.runs.get(1)).toMatchObject({ status: 'interrupted', reason: expect.stringContaining('SIGTERM') });
  });
});

/** A sink whose writes take a while, and which says how many batches it may be handed at once. */
class SlowSink extends FakeSink {
  /** One claim of one line per batch. */
  readonly batchRows = 1;
  mostPending = 0;
  private pending = 0;
  constructor(readonly writesInFlight?: number) {
    super();
  }
  override async writeBatch(...args: Parameters<FakeSink['writeBatch']>) {
    this.mostPending = Math.max(this.mostPending, ++this.pending);
    await new Promise((resolve) => setTimeout(resolve, 2));
    this.pending--;
    return super.writeBatch(...args);
  }
}

describe('batches handed to the sink', () => {
  const subscribers = Array.from({ length: 10 }, (_, i) => `S${i}`);
  const input = csv(subscribers.map((subscriber) => cells({ subscriber })));

  it.each([
    [undefined, 1],
    [1, 1],
    [3, 3],
  ])('with writesInFlight %s, at most %i at once, stored and counted in input order', async (writesInFlight, most) => {
    const sink = new SlowSink(writesInFlight);
    const summary = await run(input, { sink });
    expect(sink.mostPending).toBe(most);
    expect(summary).toMatchObject({ status: 'completed', claimsStored: 10, linesStored: 10 });
    expect([...sink.claims.values()].map((c) => c.stored.claim.subscriber_number)).toEqual(subscribers);
  });
});

describe('ingestInputs (the library entry point)', () => {
  const events = (unpublished: boolean) => {
    const delivered: number[] = [];
    return {
      delivered,
      deliver: async () => void delivered.push(delivered.length + 1),
      outcome: async (runs: readonly { runId: number | null }[]) => ({ unpublished, runIds: runs.map((r) => r.runId) }),
    };
  };

  it('ingests each input as its own run, delivering events after each accepted one only', async () => {
    const sink = new FakeSink();
    const delivery = events(false);
    const seen: string[] = [];
    const stdin = Readable.from([csv([cells({ subscriber: '99' })])]);
    const result = await ingestInputs({
      inputs: [FIXTURE, STDIN],
      rules,
      today: TODAY,
      maxErrors: null,
      stdin,
      storage: { sink },
      events: {
        deliver: async () => {
          seen.push('deliver');
          await delivery.deliver();
        },
        outcome: delivery.outcome,
      },
      onInputStarted: (input, format) => seen.push(`start ${input === STDIN ? '-' : 'fixture'} ${format}`),
      onInputFinished: (run) => seen.push(`finish ${run.runId}`),
    });
    expect(seen).toEqual(['start fixture csv', 'finish 1', 'deliver', 'start - csv', 'finish 2', 'deliver']);
    expect(result.runs.map((r) => [r.runId, r.status, r.claimsStored])).toEqual([
      [1, 'completed', 1],
      [2, 'completed', 1],
    ]);
    expect(delivery.delivered).toEqual([1, 2]);
    expect(result.events).toEqual({ unpublished: false, runIds: [1, 2] });
    expect(result.verdict).toBe('ok');
  });

  it('goes on after a refused input, without delivering for it, and says the input was refused', async () => {
    const sink = new FakeSink();
    const delivery = events(false);
    const result = await ingestInputs({ inputs: [STDIN, FIXTURE], rules, today: TODAY, maxErrors: null, stdin: Readable.from(['']), storage: { sink }, events: delivery });
    expect(result.runs.map((r) => r.status)).toEqual(['refused', 'completed']);
    expect(delivery.delivered).toEqual([1]);
    expect(result.verdict).toBe('input_refused');
  });

  it('puts a refused input before rejected rows, and rejected rows before undelivered events (3 over 4)', () => {
    const summary = (status: RunSummary['status'], rowsRejected: number) => ({ status, rowsRejected }) as RunSummary;
    expect(verdict([summary('completed', 1), summary('refused', 0)], true)).toBe('input_refused');
    expect(verdict([summary('completed', 0), summary('completed', 1)], true)).toBe('rows_rejected');
    expect(verdict([summary('completed', 0)], true)).toBe('events_unpublished');
    expect(verdict([summary('dry_run', 0)], false)).toBe('ok');
  });

  it('reports rows rejected while events were not delivered as rows_rejected', async () => {
    const result = await ingestInputs({
      inputs: [STDIN],
      rules,
      today: TODAY,
      maxErrors: null,
      stdin: Readable.from([csv([cells(), cells({ subscriber: '99', npi: '1' })])]),
      storage: { sink: new FakeSink() },
      events: events(true),
    });
    expect(result.runs[0]).toMatchObject({ claimsStored: 1, rowsRejected: 1 });
    expect(result.verdict).toBe('rows_rejected');
  });

  it('stops before the next input once asked', async () => {
    const stop = new AbortController();
    stop.abort('SIGINT');
    await expect(
      ingestInputs({ inputs: [FIXTURE], rules, today: TODAY, maxErrors: null, stdin: Readable.from([]), storage: { sink: new FakeSink() }, stop: stop.signal }),
    ).rejects.toBeInstanceOf(InterruptedError);
  });
});
