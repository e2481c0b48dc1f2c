import { readFileSync } from 'node:fs';
import { UsageError } from '../errors.js';

// `--nats`, `--nats-creds` and the NATS options read and checked, without loading the NATS client:
// an ingest without --nats never loads it.

const DEFAULT_PORT = 4222;
const SCHEMES = ['nats', 'tls'];

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
