import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstream, jetstreamManager, type StreamInfo } from '@nats-io/jetstream';
import { connect, type NatsConnection, type NodeConnectionOptions } from '@nats-io/transport-node';

export const NATS_SERVER_BIN = process.env.NATS_SERVER_BIN ?? '/usr/sbin/nats-server';
const READY_TIMEOUT_MS = 15_000;

/**
 * A real `nats-server -js` on a free loopback port with its own temporary store. It can be stopped
 * (even killed) and started again on the same port and store, as an outage would.
 */
export class NatsServer {
  readonly storeDir = mkdtempSync(join(tmpdir(), 'claims-nats-'));
  private child: ChildProcess | null = null;

  private constructor(
    private port: number,
    /** Extra server flags, e.g. ['--user', 'alice', '--pass', 'secret']. */
    private readonly flags: string[],
    /** What the test's own client needs to get in. */
    readonly clientAuth: Pick<NodeConnectionOptions, 'user' | 'pass' | 'token'>,
  ) {}

  static async start(options: { flags?: string[]; clientAuth?: NatsServer['clientAuth'] } = {}): Promise<NatsServer> {
    // Another process may take the free port before the server binds it: try a few.
    for (let attempt = 1; ; attempt++) {
      const server = new NatsServer(await freePort(), options.flags ?? [], options.clientAuth ?? {});
      try {
        await server.restart();
        return server;
      } catch (error) {
        await server.remove();
        if (attempt === 3) throw error;
      }
    }
  }

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  get hostPort(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Starts the server (again) on the same port and store; resolves once it accepts clients. */
  async restart(): Promise<void> {
    if (this.child) throw new Error('nats-server is already running');
    const child = spawn(NATS_SERVER_BIN, ['-js', '-a', '127.0.0.1', '-p', String(this.port), '-sd', this.storeDir, ...this.flags], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    this.child = child;
    let log = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => fail(new Error(`nats-server not ready in ${READY_TIMEOUT_MS} ms:\n${log}`)), READY_TIMEOUT_MS);
      const fail = (error: Error) => {
        clearTimeout(timer);
        this.child = null;
        child.kill('SIGKILL');
        reject(error);
      };
      child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
        log += chunk;
        if (log.includes('Server is ready')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => fail(new Error(`nats-server exited (${code}):\n${log}`)));
    });
  }

  /** Stops the server: SIGTERM shuts it down cleanly, SIGKILL is a crash. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = null;
    child.removeAllListeners('exit');
    const exited = once(child, 'exit');
    child.kill(signal);
    // A frozen server acts on the signal only once it runs again.
    child.kill('SIGCONT');
    await exited;
  }

  /** SIGSTOP: the server keeps its connections open and answers nothing, as a hung host would. */
  freeze(): void {
    this.child?.kill('SIGSTOP');
  }

  thaw(): void {
    this.child?.kill('SIGCONT');
  }

  async remove(): Promise<void> {
    await this.stop();
    rmSync(this.storeDir, { recursive: true, force: true });
  }

  /** A client for the test's own checks; it gives up at once if the server goes away. */
  client(): Promise<NatsConnection> {
    return connect({ servers: this.hostPort, reconnect: false, ...this.clientAuth });
  }

  async streamInfo(stream: string): Promise<StreamInfo | null> {
    return this.withClient(async (nc) => {
      const jsm = await jetstreamManager(nc);
      return jsm.streams.info(stream).catch(() => null);
    });
  }

  /** Every message of a stream, in order, with its Nats-Msg-Id and parsed payload. */
  async readStream(stream: string): Promise<StoredMessage[]> {
    return this.withClient(async (nc) => {
      // A cluster that just lost a node may take a while (a new meta leader, on a loaded machine) to
      // answer JetStream requests again and to place the reading consumer: retry rather than guess.
      const jsm = await retried(() => jetstreamManager(nc), 'JetStream on this server');
      const total = (await retried(() => jsm.streams.info(stream), `the state of ${stream}`)).state.messages;
      const consumer = await retried(() => jetstream(nc).consumers.get(stream), `a consumer on ${stream}`);
      const messages: StoredMessage[] = [];
      while (messages.length < total) {
        const before = messages.length;
        for await (const m of await consumer.fetch({ max_messages: 1_000, expires: 5_000 })) {
          messages.push({ seq: m.seq, subject: m.subject, msgId: m.headers?.get('Nats-Msg-Id') ?? null, data: m.string() });
          if (m.info.pending === 0) break;
        }
        if (messages.length === before) throw new Error(`read ${before} of ${total} messages of ${stream}`);
      }
      return messages;
    });
  }

  /** Publishes as a payments consumer would (dead letters, for instance). */
  async publish(subject: string, data: string): Promise<number> {
    return this.withClient(async (nc) => (await jetstream(nc).publish(subject, data)).seq);
  }

  async withClient<T>(work: (nc: NatsConnection) => Promise<T>): Promise<T> {
    const nc = await this.client();
    try {
      return await work(nc);
    } finally {
      await nc.close();
    }
  }
}

/**
 * A JetStream cluster of real `nats-server -js` nodes on loopback: each a NatsServer with its own
 * port and store, routed to the others. Any node can be killed (a crash) and restarted.
 */
export class NatsCluster {
  private constructor(
    readonly nodes: NatsServer[],
    /** Each node's HTTP monitoring port: which clients it serves. */
    private readonly monitorPorts: number[],
  ) {}

  static async start(size = 3): Promise<NatsCluster> {
    const routePorts = await Promise.all(Array.from({ length: size }, () => freePort()));
    const monitorPorts = await Promise.all(Array.from({ length: size }, () => freePort()));
    const routes = routePorts.map((port) => `nats://127.0.0.1:${port}`).join(',');
    const nodes: NatsServer[] = [];
    try {
      for (const [index, port] of routePorts.entries()) {
        const flags = ['--server_name', `n${index + 1}`, '--cluster_name', 'claims-test', '--cluster', `nats://127.0.0.1:${port}`];
        nodes.push(await NatsServer.start({ flags: [...flags, '--routes', routes, '-m', String(monitorPorts[index])] }));
      }
      const cluster = new NatsCluster(nodes, monitorPorts);
      await cluster.jetStreamReady();
      return cluster;
    } catch (error) {
      await Promise.all(nodes.map((node) => node.remove()));
      throw error;
    }
  }

  /** Every node, comma-separated, as `--nats` takes them. */
  get urls(): string {
    return this.nodes.map((node) => node.url).join(',');
  }

  async remove(): Promise<void> {
    await Promise.all(this.nodes.map((node) => node.remove()));
  }

  /** The node serving the client that gave this connection name, if one does. */
  async nodeServing(clientName: string): Promise<NatsServer | null> {
    for (const [index, port] of this.monitorPorts.entries()) {
      const connz = await fetch(`http://127.0.0.1:${port}/connz`).then((response) => response.json() as Promise<{ connections?: { name?: string }[] }>, () => null);
      if (connz?.connections?.some((connection) => connection.name === clientName)) return this.nodes[index]!;
    }
    return null;
  }

  /** Once the nodes have elected a JetStream meta leader: streams can be created. */
  private async jetStreamReady(): Promise<void> {
    await this.nodes[0]!.withClient(async (nc) => {
      // Until then each JetStream call times out: ask often, with a short timeout.
      const answers = () => jetstreamManager(nc, { timeout: 500 }).then((jsm) => jsm.getAccountInfo());
      await waitFor(() => answers().then(() => true, () => false), 'a JetStream meta leader');
    });
  }
}

export interface StoredMessage {
  seq: number;
  subject: string;
  msgId: string | null;
  data: string;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

/** `work`, tried again while it fails, for at most `timeoutMs`. */
async function retried<T>(work: () => Promise<T>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await work();
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`gave up on ${what}: ${(error as Error).message}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** Polls `check` until it returns true; fails after `timeoutMs` instead of guessing a sleep. */
export async function waitFor(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
