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
import { NatsUnavailableError } from '../errors.js';
import { PubAcks } from './pub-acks.js';
import type { NatsSettings } from './settings.js';

/** A server down must fail a cron job in seconds, not hang it: a short handshake, a few retries. */
const CONNECT_TIMEOUT_MS = 3_000;
const RECONNECT_ATTEMPTS = 3;
const RECONNECT_WAIT_MS = 500;
/**
 * Closing flushes what is buffered and is quick on a live server; a frozen one never reads it, so
 * after this the socket is closed without the flush (nothing unsent was acknowledged anyway).
 */
const CLOSE_GRACE_MS = 2_000;

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
