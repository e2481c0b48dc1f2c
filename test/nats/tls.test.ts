import { execFileSync } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FIXTURE, Workspace } from '../helpers/cli.js';
import { NatsServer } from '../helpers/nats.js';

let ws: Workspace;
let server: NatsServer;
let certificate: string;

beforeEach(async () => {
  ws = new Workspace();
  // A self-signed certificate, trusted by the client only through NODE_EXTRA_CA_CERTS. nats.js checks
  // a server dialled by IP address against the name localhost, so the certificate names both.
  certificate = ws.path('cert.pem');
  const key = ws.path('key.pem');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1',
    '-keyout', key, '-out', certificate, '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
  ], { stdio: 'ignore' });
  server = await NatsServer.start({ flags: ['--tls', '--tlscert', certificate, '--tlskey', key] });
});
afterEach(async () => {
  ws.remove();
  await server.remove();
});

describe('tls://', () => {
  it('publishes over TLS to a server that requires it, and only when the certificate is trusted', async () => {
    const tlsUrl = `tls://${server.hostPort}`;
    const untrusted = await ws.run(['ingest', FIXTURE, '--nats', tlsUrl, '--format', 'json', '--log-level', 'silent']);
    expect(untrusted.code).toBe(4);
    expect(JSON.parse(untrusted.stdout)[0]).toMatchObject({ claims_stored: 1, events_pending: 1 });

    const trusted = await ws.run(['replay', '--nats', tlsUrl, '--log-level', 'silent'], { env: { NODE_EXTRA_CA_CERTS: certificate } });
    expect(trusted.code).toBe(0);
    const summary = await ws.run(['report', 'summary', '--format', 'json', '--nats', tlsUrl], { env: { NODE_EXTRA_CA_CERTS: certificate } });
    expect(JSON.parse(summary.stdout)).toMatchObject({ events_published: 1, events_pending: 0, dlq_depth: 0 });
  });
});
