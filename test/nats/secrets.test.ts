import { afterEach, describe, expect, it } from 'vitest';
import type { CliResult } from '../helpers/cli.js';
import { InProcessWorkspace } from '../helpers/main.js';
import { csv, manyClaims } from '../helpers/inputs.js';
import { freePort, NatsServer } from '../helpers/nats.js';

// Characters that must be URL-encoded in --nats, so both spellings are checked.
const PASSWORD = 'pa@ss:w0rd/Zq9';
const ENCODED = encodeURIComponent(PASSWORD);
const TOKEN = 'tok-7Hh2QxLm';

let ws: InProcessWorkspace;
let server: NatsServer | null = null;
afterEach(async () => {
  ws.remove();
  await server?.remove();
  server = null;
});

function expectNoSecret(result: CliResult, ...secrets: string[]): void {
  for (const secret of secrets) {
    expect(result.stdout).not.toContain(secret);
    expect(result.stderr).not.toContain(secret);
  }
}

/** Every command that talks to NATS, at debug level, given the servers by `natsArgs` or `env`. */
async function everyNatsCommand(natsArgs: string[], env: Record<string, string> = {}): Promise<CliResult[]> {
  const input = ws.file('claims.csv', csv(manyClaims(5, 2)));
  const debug = ['--log-level', 'debug', ...natsArgs];
  return [
    await ws.run(['ingest', input, '--format', 'json', ...debug], { env }),
    await ws.run(['replay', '--format', 'json', ...debug], { env }),
    await ws.run(['replay', '--dlq', '--format', 'json', ...debug], { env }),
    await ws.run(['report', 'summary', '--format', 'json', ...debug], { env }),
  ];
}

describe('NATS secrets', () => {
  it('a password in --nats never appears in stdout or stderr at debug level', async () => {
    ws = new InProcessWorkspace();
    server = await NatsServer.start({ flags: ['--user', 'alice', '--pass', PASSWORD], clientAuth: { user: 'alice', pass: PASSWORD } });
    const nats = `nats://alice:${ENCODED}@${server.hostPort}`;
    const results = await everyNatsCommand(['--nats', nats]);
    expect(results.map((r) => r.code)).toEqual([0, 0, 0, 0]);
    // The password was used: the events went through.
    expect(JSON.parse(results[0]!.stdout)[0]).toMatchObject({ events_published: 5 });
    expect(results[0]!.stderr).toContain(`nats://[redacted]@${server.hostPort}`);
    for (const result of results) expectNoSecret(result, PASSWORD, ENCODED, 'alice:');

    const wrong = await ws.run(['replay', '--log-level', 'debug', '--nats', `nats://alice:wrong-${ENCODED}@${server.hostPort}`]);
    expect(wrong.code).toBe(4);
    expect(wrong.stderr).toMatch(/cannot connect to NATS at nats:\/\/\[redacted\]@127\.0\.0\.1:\d+: .*authorization/i);
    expectNoSecret(wrong, PASSWORD, ENCODED);
  });

  it('a token in NATS_URL never appears either, nor a password when the server is down', async () => {
    ws = new InProcessWorkspace();
    server = await NatsServer.start({ flags: ['--auth', TOKEN], clientAuth: { token: TOKEN } });
    const results = await everyNatsCommand([], { NATS_URL: `nats://${TOKEN}@${server.hostPort}` });
    expect(results.map((r) => r.code)).toEqual([0, 0, 0, 0]);
    expect(JSON.parse(results[0]!.stdout)[0]).toMatchObject({ events_published: 5 });
    for (const result of results) expectNoSecret(result, TOKEN);

    const nowhere = `tls://alice:${ENCODED}@127.0.0.1:${await freePort()}`;
    const down = await ws.run(['ingest', ws.file('more.csv', csv(manyClaims(2, 1))), '--log-level', 'debug', '--nats', nowhere]);
    expect(down.code).toBe(4);
    expect(down.stderr).toContain('tls://[redacted]@127.0.0.1');
    expectNoSecret(down, PASSWORD, ENCODED);
  });
});
