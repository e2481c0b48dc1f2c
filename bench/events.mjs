#!/usr/bin/env node
// Event delivery benchmark: events/s from the outbox to a local `nats-server -js` (file store).
// 1. `claims replay` of N pending events (the outbox filled by an ingest without NATS);
// 2. `claims ingest --nats` of the same file into a fresh database and stream, against the same
//    ingest without NATS, to show what publishing as it goes adds to an ingest.
// Usage: npm run build && node bench/events.mjs [--claims 100000] [--runs 3]
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { LINES_PER_CLAIM, writeClaimsFile } from './claims-file.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'bin', 'claims');
const natsServerBin = process.env.NATS_SERVER_BIN ?? '/usr/sbin/nats-server';
const { values } = parseArgs({ options: { claims: { type: 'string', default: '100000' }, runs: { type: 'string', default: '3' } } });
const claimCount = Number(values.claims);
const runs = Number(values.runs);

async function freePort() {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  return port;
}

/** A fresh server with its own store; resolves once it accepts clients. */
async function startNatsServer() {
  const port = await freePort();
  const store = mkdtempSync(join(tmpdir(), 'claims-bench-nats-'));
  const child = spawn(natsServerBin, ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', store], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  await new Promise((resolve, reject) => {
    child.stderr.setEncoding('utf8').on('data', (chunk) => {
      log += chunk;
      if (log.includes('Server is ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`nats-server exited (${code}): ${log}`)));
  });
  return {
    url: `nats://127.0.0.1:${port}`,
    async stop() {
      child.removeAllListeners('exit');
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
      rmSync(store, { recursive: true, force: true });
    },
  };
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

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rate = (n, seconds) => Math.round(n / seconds).toLocaleString('en-US');

const work = mkdtempSync(join(tmpdir(), 'claims-bench-events-'));
try {
  const input = join(work, 'claims.csv');
  await writeClaimsFile(input, claimCount * LINES_PER_CLAIM);
  const replays = [];
  const ingestsAlone = [];
  const ingestsWithNats = [];
  for (let run = 0; run < runs; run++) {
    const server = await startNatsServer();
    try {
      const db = join(work, `replay-${run}.db`);
      ingestsAlone.push(timed(['ingest', input, '--db', db]));
      replays.push(timed(['replay', '--db', db, '--nats', server.url]));
    } finally {
      await server.stop();
    }
    const fresh = await startNatsServer();
    try {
      ingestsWithNats.push(timed(['ingest', input, '--db', join(work, `ingest-${run}.db`), '--nats', fresh.url]));
    } finally {
      await fresh.stop();
    }
  }
  const replay = median(replays);
  const alone = median(ingestsAlone);
  const withNats = median(ingestsWithNats);
  console.log(`claims: ${claimCount.toLocaleString('en-US')} (4 lines each), median of ${runs} runs, nats-server file store on loopback`);
  const publishing = withNats - alone;
  console.log(`replay of all pending events:  ${replay.toFixed(2)} s = ${rate(claimCount, replay)} events/s (process start included)`);
  console.log(`ingest without NATS:           ${alone.toFixed(2)} s`);
  console.log(`ingest --nats (publishes too): ${withNats.toFixed(2)} s: publishing adds ${publishing.toFixed(2)} s = ${rate(claimCount, publishing)} events/s`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
