#!/usr/bin/env node
// Event delivery benchmark against local `nats-server -js` instances (file store, loopback), each
// started fresh for one measure, on the realistic generator's file:
// 1. `claims ingest` without NATS, then `claims replay` of all its pending events;
// 2. `claims ingest --nats` of the same file into a fresh database and stream: what publishing as
//    it goes adds to the ingest (ingest --nats − ingest alone);
// 3. the client's ceiling: a raw pipelined publish of as many events, the real payloads and subjects
//    (sampled from the stream of step 2), from the same client library with the same connection
//    options as `claims` (noAsyncTraces), `--in-flight` publishes awaiting their PubAck at once,
//    into a stream configured like CLAIMS.
// Usage: npm run build && node bench/events.mjs [--lines 100000] [--runs 3] [--in-flight 256]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { realisticFile } from './realistic.mjs';
import { startNatsServer } from './nats-server.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'bin', 'claims');
/** Payloads sampled from the stream for the raw publish: enough to carry the size distribution. */
const SAMPLE = 1_000;

/** A fresh server with its own temporary store, removed when it stops. */
async function startBenchNats() {
  const store = mkdtempSync(join(tmpdir(), 'claims-bench-nats-'));
  const server = await startNatsServer(store);
  return { ...server, stop: async () => (await server.stop(), rmSync(store, { recursive: true, force: true })) };
}

/** Wall seconds of one `claims` command; it must exit 0. */
function timed(args) {
  const started = performance.now();
  // stdout (one record per event) is not what is measured; piping it would fill spawnSync's buffer.
  const result = spawnSync(process.execPath, [bin, ...args, '--quiet', '--log-level', 'warn'], {
    encoding: 'utf8',
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const seconds = (performance.now() - started) / 1000;
  if (result.status !== 0) throw new Error(`claims ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return seconds;
}

/** Real events from the stream `claims` filled: subjects, payloads, the stream's configuration. */
async function sampleEvents(url, expected) {
  const nc = await connect({ servers: url.slice('nats://'.length) });
  try {
    const jsm = await jetstreamManager(nc);
    const { config, state } = await jsm.streams.info('CLAIMS');
    if (state.messages !== expected) throw new Error(`CLAIMS holds ${state.messages} events, ${expected} expected`);
    const events = [];
    const step = Math.max(1, Math.floor(state.messages / SAMPLE));
    for (let seq = state.first_seq; seq <= state.last_seq && events.length < SAMPLE; seq += step) {
      const message = await jsm.streams.getMessage('CLAIMS', { seq });
      events.push({ subject: message.subject, payload: message.data });
    }
    const { name, subjects, storage, retention, discard, duplicate_window, num_replicas } = config;
    return { events, config: { name, subjects, storage, retention, discard, duplicate_window, num_replicas } };
  } finally {
    await nc.close();
  }
}

/** Seconds to publish `count` events (cycling through the sample) with `inFlight` unacknowledged at most. */
async function rawPublish(url, { events, config }, count, inFlight) {
  const nc = await connect({ servers: url.slice('nats://'.length), noAsyncTraces: true });
  try {
    await (await jetstreamManager(nc)).streams.add(config);
    const js = jetstream(nc);
    const started = performance.now();
    let next = 0;
    let failed = null;
    const worker = async () => {
      while (next < count && !failed) {
        const i = next++;
        const { subject, payload } = events[i % events.length];
        await js.publish(subject, payload, { msgID: `bench-${i}` }).catch((error) => (failed = error));
      }
    };
    await Promise.all(Array.from({ length: inFlight }, worker));
    if (failed) throw failed;
    return (performance.now() - started) / 1000;
  } finally {
    await nc.close();
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * Runs the three measures `runs` times on a realistic file of `lines` lines; returns the medians:
 * seconds, events per second and the ratio of what publishing adds to the raw publish.
 */
export async function measureEvents({ lines, seed = 1, runs, inFlight = 256, log = console.error }) {
  const totals = await realisticFile({ lines, seed });
  const events = totals.claims;
  const work = mkdtempSync(join(tmpdir(), 'claims-bench-events-'));
  const alone = [];
  const replays = [];
  const withNats = [];
  const raws = [];
  try {
    for (let run = 0; run < runs; run++) {
      log(`events run ${run + 1}/${runs}: ingest, replay, ingest --nats, raw publish of ${events.toLocaleString('en-US')} events`);
      let server = await startBenchNats();
      try {
        const db = join(work, `replay-${run}.db`);
        alone.push(timed(['ingest', totals.path, '--db', db]));
        replays.push(timed(['replay', '--db', db, '--nats', server.url]));
      } finally {
        await server.stop();
      }
      server = await startBenchNats();
      let sample;
      try {
        withNats.push(timed(['ingest', totals.path, '--db', join(work, `ingest-${run}.db`), '--nats', server.url]));
        sample = await sampleEvents(server.url, events);
      } finally {
        await server.stop();
      }
      server = await startBenchNats();
      try {
        raws.push(await rawPublish(server.url, sample, events, inFlight));
      } finally {
        await server.stop();
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const ingestAlone = median(alone);
  const replay = median(replays);
  const ingestNats = median(withNats);
  const raw = median(raws);
  // Medians of differences within a run: the noise of other runs stays out.
  const publishing = median(withNats.map((s, i) => s - alone[i]));
  return {
    lines,
    events,
    in_flight: inFlight,
    ingest_seconds: ingestAlone,
    replay_seconds: replay,
    replay_events_per_second: Math.round(events / replay),
    ingest_nats_seconds: ingestNats,
    publishing_adds_seconds: publishing,
    publishing_events_per_second: Math.round(events / publishing),
    raw_publish_seconds: raw,
    raw_events_per_second: Math.round(events / raw),
    publishing_to_raw: median(withNats.map((s, i) => (s - alone[i]) / raws[i])),
    replay_to_raw: median(replays.map((s, i) => s / raws[i])),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      lines: { type: 'string', default: '100000' },
      runs: { type: 'string', default: '3' },
      'in-flight': { type: 'string', default: '256' },
    },
  });
  const result = await measureEvents({ lines: Number(values.lines), runs: Number(values.runs), inFlight: Number(values['in-flight']) });
  console.log(JSON.stringify(result, null, 2));
}
