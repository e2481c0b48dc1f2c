import { readFileSync } from 'node:fs';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import {
  credsAuthenticator,
  errors,
  NatsConnectionImpl,
  setTransportFactory,
  type NatsConnection,
  type NodeConnectionOptions,
} from '@nats-io/transport-node';
import { NodeTransport, nodeResolveHost } from '@nats-io/transport-node/lib/node_transport.js';
import type { Logger } from 'pino';
import { NatsUnavailableError, UsageError } from '../errors.js';
import { PubAcks } from './pub-acks.js';

const DEFAULT_PORT = 4222;
const SCHEMES = ['nats', 'tls'];

/** A server down must fail a cron job in seconds, not hang it: a short handshake, a few retries. */
const CONNECT_TIMEOUT_MS = 3_000;
const RECONNECT_ATTEMPTS = 3;
const RECONNECT_WAIT_MS = 500;
/**
 * Closing flushes what is buffered and is quick on a live server; a frozen one never reads it, so
 * after this the socket is closed without the flush (nothing unsent was acknowledged anyway).
 */
const CLOSE_GRACE_MS = 2_000;

/** How long any one NATS operation (handshake, JetStream API call, PubAck) may take: `--nats-timeout`. */
const DEFAULT_TIMEOUT_SECONDS = 10;
/** `--stream-replicas`: one copy, what a single server can keep. */
const DEFAULT_STREAM_REPLICAS = 1;

type ServerAuth = { user: string; pass: string } | { token: string };

/** `--nats` and `--nats-creds` made ready to dial, with the secrets kept out of the addresses. */
export interface NatsSettings {
  /** host:port, as the client dials them (nats.js ignores credentials and the scheme in a URL). */
  servers: string[];
  tls: boolean;
  auth: ServerAuth | null;
  credentials: Uint8Array | null;
  /** The servers as they may appear in logs and messages. */
  display: string;
  /** How long any one operation may wait for the server. */
  timeoutMs: number;
  /** Copies JetStream keeps of the streams claims creates. */
  streamReplicas: number;
}

/**
 * Hides everything before the last `@` of each server address (user:password or token), so a
 * password that is not URL-encoded is hidden whole too. The one way servers are shown anywhere.
 */
export function redactServers(spec: string): string {
  return spec
    .split(',')
    .map((entry) => entry.trim().replace(/^([a-z][a-z0-9+.-]*:\/\/)?.*@/is, (_, scheme: string | undefined) => `${scheme ?? ''}[redacted]@`))
    .join(',');
}

/** Null when NATS is not configured. Bad addresses or an unreadable creds file are usage errors. */
export function natsSettings(globals: { nats?: string; natsCreds?: string; natsTimeout?: number; streamReplicas?: number }): NatsSettings | null {
  if (!globals.nats) return null;
  const entries = globals.nats.split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
  if (entries.length === 0) throw new UsageError('--nats: no server address given');
  const parsed = entries.map((entry, index) => parseServer(entry, index, entries.length));
  return {
    servers: parsed.map((server) => server.hostPort),
    tls: parsed.some((server) => server.tls),
    auth: sharedAuth(parsed.map((server) => server.auth)),
    credentials: globals.natsCreds ? readCredentials(globals.natsCreds) : null,
    display: redactServers(entries.join(',')),
    timeoutMs: (globals.natsTimeout ?? DEFAULT_TIMEOUT_SECONDS) * 1000,
    streamReplicas: globals.streamReplicas ?? DEFAULT_STREAM_REPLICAS,
  };
}

interface ParsedServer {
  hostPort: string;
  tls: boolean;
  auth: ServerAuth | null;
}

function parseServer(entry: string, index: number, count: number): ParsedServer {
  // Never echo the entry: a mistyped one may hold a password that redaction cannot recognise.
  const invalid = (why: string) =>
    new UsageError(`--nats: server ${index + 1} of ${count} ${why} (expected nats://[user:password@|token@]host[:port] or tls://…)`);
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(entry) ? entry : `nats://${entry}`);
  } catch {
    throw invalid('is not a valid address');
  }
  const scheme = url.protocol.slice(0, -1).toLowerCase();
  if (!SCHEMES.includes(scheme)) throw invalid('has an unsupported scheme');
  if (url.hostname === '' || (url.pathname !== '' && url.pathname !== '/') || url.search !== '' || url.hash !== '') {
    throw invalid('is not a valid address');
  }
  const user = decodeURIComponent(url.username);
  const pass = decodeURIComponent(url.password);
  return {
    hostPort: `${url.hostname}:${url.port || DEFAULT_PORT}`,
    tls: scheme === 'tls',
    auth: user === '' ? null : pass === '' ? { token: user } : { user, pass },
  };
}

/** One connection authenticates once: servers that name credentials must name the same ones. */
function sharedAuth(auths: (ServerAuth | null)[]): ServerAuth | null {
  const given = auths.filter((auth): auth is ServerAuth => auth !== null);
  const [first] = given;
  if (given.some((auth) => JSON.stringify(auth) !== JSON.stringify(first))) {
    throw new UsageError('--nats: the servers carry different credentials; give one user and password (or token) for all');
  }
  return first ?? null;
}

function readCredentials(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new UsageError(`cannot read the NATS credentials file ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

export interface NatsSession {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  /** How long any one operation may wait for the server. */
  timeoutMs: number;
  /** Copies JetStream keeps of the streams claims creates. */
  streamReplicas: number;
  /** Payment events are published through it: what js.publish does, cheaper per event. */
  acks: PubAcks;
  /**
   * Times the client lost its server and connected again (to it or another of the cluster): a
   * request sent before then may never be answered, its answer gone with the old connection.
   */
  readonly reconnects: number;
  /** Closes within CLOSE_GRACE_MS (or the timeout when shorter), frozen server or not; never rejects. */
  close(): Promise<void>;
}

/**
 * nats.js closes a transport only once its handshake completed, so a handshake that timed out (a
 * server that accepts the connection and then says nothing) keeps its socket, and the process,
 * alive until the server answers. This one closes the socket in that case too.
 */
class ClosingTransport extends NodeTransport {
  override close(err?: Error): Promise<void> {
    if (!this.connected) this.socket?.destroy();
    return super.close(err);
  }
}

/** Connects and checks that JetStream answers; any failure is NatsUnavailableError with the servers redacted. */
export async function connectNats(settings: NatsSettings, log: Logger): Promise<NatsSession> {
  const { timeoutMs } = settings;
  const options: NodeConnectionOptions = {
    servers: settings.servers,
    name: 'claims',
    timeout: Math.min(CONNECT_TIMEOUT_MS, timeoutMs),
    maxReconnectAttempts: RECONNECT_ATTEMPTS,
    reconnectTimeWait: RECONNECT_WAIT_MS,
    // A stack trace captured for every request costs a fifth of the publisher's CPU.
    noAsyncTraces: true,
    ...(settings.tls ? { tls: {} } : {}),
    ...(settings.auth ?? {}),
    ...(settings.credentials ? { authenticator: credsAuthenticator(settings.credentials) } : {}),
  };
  // What `connect` of @nats-io/transport-node does, with the transport above.
  setTransportFactory({ factory: () => new ClosingTransport(), dnsResolveFn: nodeResolveHost });
  const connecting = NatsConnectionImpl.connect(options);
  let nc: NatsConnection;
  try {
    // Several servers are tried one after the other: the whole attempt is bounded too.
    nc = await within(connecting, timeoutMs, 'no answer');
  } catch (error) {
    // Connected after all, too late: let it go.
    void connecting.then((late) => closeWithin(late, 0), () => undefined);
    const why = error instanceof errors.TimeoutError ? `no answer within ${options.timeout! / 1000}s` : (error as Error).message;
    throw new NatsUnavailableError(`cannot connect to NATS at ${settings.display}: ${why}`);
  }
  const link = { reconnects: 0 };
  void watchStatus(nc, log, link);
  const close = () => closeWithin(nc, Math.min(CLOSE_GRACE_MS, timeoutMs));
  try {
    const jsm = await within(jetstreamManager(nc, { timeout: timeoutMs }), timeoutMs, 'no answer');
    const js = jetstream(nc, { timeout: timeoutMs });
    log.debug({ servers: settings.display, server: nc.info?.server_id }, 'connected to NATS');
    const acks = new PubAcks(nc, timeoutMs);
    return {
      nc,
      js,
      jsm,
      timeoutMs,
      streamReplicas: settings.streamReplicas,
      acks,
      get reconnects() {
        return link.reconnects;
      },
      close: () => (acks.close(), close()),
    };
  } catch (error) {
    await close();
    throw new NatsUnavailableError(`JetStream is not available at ${settings.display}: ${(error as Error).message}`);
  }
}

/**
 * Resolves or rejects as `work` does, or rejects with `${what} within Ns` once `ms` have passed:
 * the bound for NATS calls whose own timeout a frozen server can outlast.
 */
export function within<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} within ${ms / 1000}s`)), ms);
  });
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}

/** Closes politely when the server answers in time, else drops the socket. */
async function closeWithin(nc: NatsConnection, ms: number): Promise<void> {
  const closed = await within(nc.close(), ms, 'not closed').then(
    () => true,
    () => false,
  );
  if (!closed) (nc as NatsConnectionImpl).protocol.transport.discard();
}

/** Connects, runs `work`, and closes the connection whatever happens. */
export async function withNatsSession<T>(settings: NatsSettings, log: Logger, work: (session: NatsSession) => Promise<T>): Promise<T> {
  const session = await connectNats(settings, log);
  try {
    return await work(session);
  } finally {
    await session.close();
  }
}

/** Counts reconnections and logs them; status events name the server as host:port only, never with credentials. */
async function watchStatus(nc: NatsConnection, log: Logger, link: { reconnects: number }): Promise<void> {
  for await (const status of nc.status()) {
    if (status.type === 'reconnect') link.reconnects++;
    if (status.type === 'disconnect' || status.type === 'reconnect') log.warn({ server: status.server }, `NATS ${status.type}`);
  }
}
