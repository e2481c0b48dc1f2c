import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { natsSettings, redactServers } from '../../src/events/settings.js';

const settings = (nats: string) => natsSettings({ nats })!;

describe('--nats', () => {
  it('is not configured when absent or empty', () => {
    expect(natsSettings({})).toBeNull();
    expect(natsSettings({ nats: '' })).toBeNull();
  });

  it('takes several comma-separated servers, with or without scheme and port', () => {
    expect(settings('nats://10.0.0.1:4223, nats://b.example , c.example:5000')).toMatchObject({
      servers: ['10.0.0.1:4223', 'b.example:4222', 'c.example:5000'],
      tls: false,
      auth: null,
    });
    expect(settings('nats://[::1]:4222').servers).toEqual(['[::1]:4222']);
  });

  it('takes user and password, URL-decoded, out of the address', () => {
    const s = settings('nats://alice:p%40ss%3Aw0rd@127.0.0.1:4222,nats://alice:p%40ss%3Aw0rd@127.0.0.2:4222');
    expect(s.servers).toEqual(['127.0.0.1:4222', '127.0.0.2:4222']);
    expect(s.auth).toEqual({ user: 'alice', pass: 'p@ss:w0rd' });
    expect(s.display).toBe('nats://[redacted]@127.0.0.1:4222,nats://[redacted]@127.0.0.2:4222');
  });

  it('takes a lone user part as a token, and the credentials of one server for all', () => {
    const s = settings('nats://s3cr3t-token@127.0.0.1:4222,nats://127.0.0.2:4222');
    expect(s.auth).toEqual({ token: 's3cr3t-token' });
    expect(s.display).not.toContain('s3cr3t');
  });

  it('asks for TLS when a server is tls://', () => {
    expect(settings('tls://nats.example:4443')).toMatchObject({ servers: ['nats.example:4443'], tls: true });
  });

  it('refuses bad addresses and differing credentials without echoing them', () => {
    for (const bad of ['ws://host:80', 'nats://host:4222/path', 'nats://alice:topsecret@:4222', 'nats://host:99999']) {
      expect(() => settings(bad)).toThrow(UsageError);
      try {
        settings(bad);
      } catch (error) {
        expect((error as Error).message).not.toContain('topsecret');
      }
    }
    expect(() => settings('nats://a:x@h1,nats://b:y@h2')).toThrow(/different credentials/);
  });

  it('reads the credentials file, and names it when it cannot', () => {
    expect(() => natsSettings({ nats: 'nats://h', natsCreds: '/nonexistent/user.creds' })).toThrow(
      /cannot read the NATS credentials file \/nonexistent\/user\.creds: ENOENT/,
    );
  });
});

describe('redactServers', () => {
  it('hides everything before the last @ of each address', () => {
    expect(redactServers('nats://u:pa@ss@h:1, tls://tok@h2,h3:4222,u:p@h4')).toBe(
      'nats://[redacted]@h:1,tls://[redacted]@h2,h3:4222,[redacted]@h4',
    );
  });
});
