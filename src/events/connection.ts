import { readFileSync } from 'node:fs';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { connect, credsAuthenticator, type NatsConnection, type NodeConnectionOptions } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { NatsUnavailableError, UsageError } from '../errors.js';

const DEFAULT_PORT = 4222;
const SCHEMES = ['nats', 'tls'];

/** A server down must fail a cron job in seconds, not hang it: a short handshake, a few retries. */
const CONNECT_TIMEOUT_MS = 3_000;
const RECONNECT_ATTEMPTS = 3;
const RECONNECT_WAIT_MS = 500;

/** How long a JetStream API call or a PubAck may take before it counts as failed. */
export const REQUEST_TIMEOUT_MS = 10_000;

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
export function natsSettings(globals: { nats?: string; natsCreds?: string }): NatsSettings | null {
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
  close(): Promise<void>;
}

/** Connects and checks that JetStream answers; any failure is NatsUnavailableError with the servers redacted. */
export async function connectNats(settings: NatsSettings, log: Logger): Promise<NatsSession> {
  const options: NodeConnectionOptions = {
    servers: settings.servers,
    name: 'claims',
    timeout: CONNECT_TIMEOUT_MS,
    maxReconnectAttempts: RECONNECT_ATTEMPTS,
    reconnectTimeWait: RECONNECT_WAIT_MS,
    // A stack trace captured for every request costs a fifth of the publisher's CPU.
    noAsyncTraces: true,
    ...(settings.tls ? { tls: {} } : {}),
    ...(settings.auth ?? {}),
    ...(settings.credentials ? { authenticator: credsAuthenticator(settings.credentials) } : {}),
  };
  let nc: NatsConnection;
  try {
    nc = await connect(options);
  } catch (error) {
    throw new NatsUnavailableError(`cannot connect to NATS at ${settings.display}: ${(error as Error).message}`);
  }
  void logStatusChanges(nc, log);
  try {
    const jsm = await jetstreamManager(nc, { timeout: REQUEST_TIMEOUT_MS });
    const js = jetstream(nc, { timeout: REQUEST_TIMEOUT_MS });
    log.debug({ servers: settings.display, server: nc.info?.server_id }, 'connected to NATS');
    return { nc, js, jsm, close: () => nc.close() };
  } catch (error) {
    await nc.close();
    throw new NatsUnavailableError(`JetStream is not available at ${settings.display}: ${(error as Error).message}`);
  }
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

/** Status events name the server as host:port only, never with credentials. */
async function logStatusChanges(nc: NatsConnection, log: Logger): Promise<void> {
  for await (const status of nc.status()) {
    if (status.type === 'disconnect' || status.type === 'reconnect') log.warn({ server: status.server }, `NATS ${status.type}`);
  }
}
