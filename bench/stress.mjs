#!/usr/bin/env node
// Stress test of event delivery against a real local `nats-server -js` (not part of `npm test`):
// 1. kills: `ingest --nats` SIGKILLed at random moments (storing or publishing), each input rerun;
// 2. crowd: 8 `ingest --nats` on overlapping inputs and 2 `replay` at once on one database;
// 3. frozen: the server SIGSTOPped while a replay publishes and before an ingest; both must exit 4
//    within the bound; then SIGCONT.
// Then one replay, and the checks: every claim stored once, no event pending or failed, every
// event id exactly once in CLAIMS. Prints the figures; exits 1 on any violation.
// Usage: npm run stress [-- --claims 8000 --kills 20 --seed 42]
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { LINES_PER_CLAIM, writeClaimsFile } from './claims-file.mjs';
import { startNatsServer } from './nats-server.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'bin', 'claims');
const { values } = parseArgs({
  options: {
    claims: { type: 'string', default: '8000' },
    kills: { type: 'string', default: '20' },
    seed: { type: 'string', default: String(Date.now() % 1_000_000) },
  },
});
const N = Number(values.claims);
const KILLS = Number(values.kills);
/** Killed publishers use 2 s: their leases (3 timeouts) expire 6 s after the kill. */
const KILL_TIMEOUT_S = 2;
/** A frozen server must end a command within this (default --nats-timeout 10 s, plus closing). */
const FROZEN_BOUND_MS = 20_000;
/** Concurrent publishers lease their pages: about one publish per event, not one per publisher. */
const MAX_CROWD_PUBLISHES_PER_EVENT = 1.1;
/** A command that hangs is a violation too; the whole run takes about 2.5 minutes on 2 cores. */
const WATCHDOG_MS = 8 * 60_000;

// A small seeded generator, so a failing run can be repeated with --seed.
let state = Number(values.seed) >>> 0 || 1;
const random = () => ((state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0) / 2 ** 32);
const between = (low, high) => low + Math.floor(random() * (high - low));

const work = mkdtempSync(join(tmpdir(), 'claims-stress-'));
const db = join(work, 'claims.db');
const violations = [];
const check = (ok, what) => {
  if (!ok) {
    violations.push(what);
    console.error(`VIOLATION: ${what}`);
  }
};
/** Publishes made by commands that finished (killed ones say nothing), from their summary lines. */
let publishes = 0;

/** Starts `claims args… --db`; `result` resolves with its exit code (or signal) and output. */
function start(args) {
  const child = spawn(process.execPath, [bin, ...args, '--db', db, '--log-level', 'warn'], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
  const result = new Promise((resolve) => child.once('close', (code, signal) => resolve({ code, signal, stderr })));
  return { child, result };
}

async function run(args, expected, what) {
  const result = await start(args).result;
  check(expected.includes(result.code), `${what}: exit ${result.code} (${expected.join(' or ')} expected)\n${result.stderr}`);
  publishes += published(result.stderr);
  return result;
}

function published(stderr) {
  const match = /(?:payment events|replay): ([\d,]+) events? published.*?, ([\d,]+) failed/.exec(stderr);
  return match ? Number(match[1].replaceAll(',', '')) + Number(match[2].replaceAll(',', '')) : 0;
}

/** The CSV lines (after the header) of claims [from, to). */
let lines;
function part(name, from, to) {
  const path = join(work, `${name}.csv`);
  writeFileSync(path, lines[0] + '\n' + lines.slice(1 + from * LINES_PER_CLAIM, 1 + to * LINES_PER_CLAIM).join('\n') + '\n');
  return path;
}

/** Eight overlapping inputs over claims [base, base + N): each a tenth apart, three tenths long. */
function overlappingParts(name, base) {
  const step = Math.floor(N / 10);
  return Array.from({ length: 8 }, (_, i) => part(`${name}${i}`, base + i * step, i === 7 ? base + N : base + (i + 3) * step));
}

async function streamMessages(nc) {
  return (await (await jetstreamManager(nc)).streams.info('CLAIMS')).state.messages;
}

async function main() {
  const started = performance.now();
  const full = join(work, 'all.csv');
  // Three ranges of N claims (kills, crowd, frozen) and a small one for the frozen ingest.
  await writeClaimsFile(full, (3 * N + 100) * LINES_PER_CLAIM);
  lines = readFileSync(full, 'utf8').trimEnd().split('\n');
  const server = await startNatsServer(join(work, 'nats'));
  const watchdog = setTimeout(() => {
    console.error(`VIOLATION: not finished after ${WATCHDOG_MS / 60_000} minutes (a command hangs?)`);
    void server.stop().finally(() => process.exit(1));
  }, WATCHDOG_MS);
  const nc = await connect({ servers: server.url.slice('nats://'.length) });
  try {
    // 1. Kills at random moments, each input then rerun to the end.
    const killParts = overlappingParts('kill', 0);
    const killPoints = [];
    let attempts = 0;
    // Kill moments spread over a whole run (start-up, storing, publishing): as long as the last rerun took.
    let runMs = 1_500;
    while (killPoints.length < KILLS && attempts++ < KILLS * 3) {
      const input = killParts[between(0, killParts.length)];
      const args = ['ingest', input, '--nats', server.url, '--nats-timeout', String(KILL_TIMEOUT_S)];
      const { child, result } = start(args);
      const delay = between(50, runMs);
      const finished = await Promise.race([result.then(() => true), new Promise((r) => setTimeout(() => r(false), delay))]);
      if (!finished) {
        child.kill('SIGKILL');
        await result;
        killPoints.push(delay);
      }
      const rerunAt = performance.now();
      await run(['ingest', input, '--nats', server.url], [0], `rerun after a kill at ${delay} ms`);
      runMs = Math.max(200, Math.round(performance.now() - rerunAt));
    }
    check(killPoints.length >= KILLS, `only ${killPoints.length} kills landed in ${attempts - 1} attempts`);
    await run(['ingest', part('kill-all', 0, N), '--nats', server.url], [0], 'ingest of every killed input');

    // 2. The crowd: 8 ingests and 2 replays at once, some events already waiting for them.
    const crowdParts = overlappingParts('crowd', N);
    await run(['ingest', part('crowd-early', N, N + Math.floor(N / 3))], [0], 'ingest without NATS');
    const before = publishes;
    await Promise.all([
      ...crowdParts.map((input, i) => run(['ingest', input, '--nats', server.url], [0], `crowd ingest ${i}`)),
      run(['replay', '--nats', server.url], [0], 'crowd replay 1'),
      run(['replay', '--nats', server.url], [0], 'crowd replay 2'),
    ]);
    const crowdPerEvent = (publishes - before) / N;
    check(crowdPerEvent <= MAX_CROWD_PUBLISHES_PER_EVENT, `crowd: ${crowdPerEvent.toFixed(3)} publishes per event`);

    // 3. Frozen: a replay publishing when the server stops answering, then an ingest on it.
    await run(['ingest', part('frozen', 2 * N, 3 * N)], [0], 'ingest without NATS');
    const inStream = await streamMessages(nc);
    const replay = start(['replay', '--nats', server.url]);
    while ((await streamMessages(nc)) < inStream + Math.min(500, N / 10)) await new Promise((r) => setTimeout(r, 5));
    server.freeze();
    let frozenAt = performance.now();
    const frozenReplay = await replay.result;
    const replaySeconds = (performance.now() - frozenAt) / 1000;
    publishes += published(frozenReplay.stderr);
    check(frozenReplay.code === 4, `frozen replay: exit ${frozenReplay.code}, 4 expected\n${frozenReplay.stderr}`);
    check(replaySeconds * 1000 < FROZEN_BOUND_MS, `frozen replay took ${replaySeconds.toFixed(1)} s`);
    frozenAt = performance.now();
    await run(['ingest', part('frozen-ingest', 3 * N, 3 * N + 100), '--nats', server.url], [4], 'ingest on a frozen server');
    const ingestSeconds = (performance.now() - frozenAt) / 1000;
    check(ingestSeconds * 1000 < FROZEN_BOUND_MS, `ingest on a frozen server took ${ingestSeconds.toFixed(1)} s`);
    server.thaw();

    // The leases of the last killed publisher are long expired by now: one replay delivers the rest.
    await run(['replay', '--nats', server.url], [0], 'final replay');

    // Checks: the database, then the stream.
    const summary = JSON.parse((await collect(['report', 'summary', '--format', 'json'])).stdout);
    const total = 3 * N + 100;
    check(summary.claims === total, `${summary.claims} claims stored, ${total} expected`);
    check(summary.events_pending === 0 && summary.events_failed === 0, `events left: ${summary.events_pending} pending, ${summary.events_failed} failed`);
    check(summary.events_published === total, `${summary.events_published} events published, ${total} expected`);
    const claimIds = (await collect(['list', '--format', 'ndjson'])).stdout.trim().split('\n').map((line) => JSON.parse(line).claim_id);
    check(claimIds.length === total && new Set(claimIds).size === total, `list: ${claimIds.length} rows, ${new Set(claimIds).size} distinct claims`);
    const expectedIds = new Set(claimIds.map((id) => `evt_${id.replace(/^clm_/, '')}`));
    const seen = await streamIds(nc);
    const repeated = [...seen.values()].filter((n) => n > 1).length;
    const missing = [...expectedIds].filter((id) => !seen.has(id)).length;
    const foreign = [...seen.keys()].filter((id) => !expectedIds.has(id)).length;
    check(repeated === 0 && missing === 0 && foreign === 0, `stream: ${repeated} events more than once, ${missing} missing, ${foreign} unknown`);

    console.log(
      JSON.stringify(
        {
          seed: Number(values.seed),
          claims: total,
          kills: killPoints.length,
          kill_points_ms: killPoints.sort((a, b) => a - b).join(' '),
          processes_at_once: crowdParts.length + 2,
          crowd_publishes_per_event: Number(crowdPerEvent.toFixed(3)),
          publishes_per_event_finished_commands: Number((publishes / total).toFixed(3)),
          frozen_replay_exit_seconds: Number(replaySeconds.toFixed(1)),
          frozen_ingest_exit_seconds: Number(ingestSeconds.toFixed(1)),
          stream_messages: [...seen.values()].reduce((a, b) => a + b, 0),
          seconds: Number(((performance.now() - started) / 1000).toFixed(1)),
          violations: violations.length,
        },
        null,
        2,
      ),
    );
  } finally {
    clearTimeout(watchdog);
    await nc.close();
    await server.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

async function collect(args) {
  const child = spawn(process.execPath, [bin, ...args, '--db', db], { stdio: ['ignore', 'pipe', 'inherit'] });
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (chunk) => (stdout += chunk));
  const [code] = await once(child, 'close');
  check(code === 0, `${args.join(' ')}: exit ${code}`);
  return { stdout };
}

/** How many times each Nats-Msg-Id is in CLAIMS. */
async function streamIds(nc) {
  const total = await streamMessages(nc);
  const consumer = await jetstream(nc).consumers.get('CLAIMS');
  const seen = new Map();
  let read = 0;
  while (read < total) {
    const before = read;
    for await (const m of await consumer.fetch({ max_messages: 1_000, expires: 5_000 })) {
      const id = m.headers?.get('Nats-Msg-Id') ?? '';
      seen.set(id, (seen.get(id) ?? 0) + 1);
      read++;
      if (m.info.pending === 0) break;
    }
    if (read === before) throw new Error(`read ${read} of ${total} messages of CLAIMS`);
  }
  return seen;
}

try {
  await main();
} catch (error) {
  violations.push(error.message);
  console.error(error);
}
if (violations.length > 0) {
  console.error(`${violations.length} violation(s)`);
  process.exitCode = 1;
}
