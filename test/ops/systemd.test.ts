import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BIN, ROOT } from '../helpers/cli.js';

const SYSTEMD_ANALYZE = process.env.SYSTEMD_ANALYZE ?? '/usr/bin/systemd-analyze';
const EXAMPLES = join(ROOT, 'examples/systemd');
const UNITS = ['claims-ingest.service', 'claims-ingest.timer', 'claims-replay.service', 'claims-replay.timer'];

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'claims-systemd-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function unit(name: string): string {
  return readFileSync(join(EXAMPLES, name), 'utf8');
}

/**
 * Copies the units into a temporary folder with ExecStart pointing at this checkout's claims (the
 * examples name /usr/local/bin/claims, which verify checks for), and returns verify's findings
 * about them. Unknown keys and unparsable values only print a warning: the test reads stderr.
 */
function verify(units: Record<string, string>): { status: number | null; findings: string[] } {
  for (const [name, text] of Object.entries(units)) {
    writeFileSync(join(dir, name), text.replaceAll('ExecStart=/usr/local/bin/claims', `ExecStart=${process.execPath} ${BIN}`));
  }
  const result = spawnSync(SYSTEMD_ANALYZE, ['verify', '--man=no', ...Object.keys(units).map((name) => join(dir, name))], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  const ours = Object.keys(units);
  const findings = result.stderr.split('\n').filter((line) => ours.some((name) => line.includes(name)));
  return { status: result.status, findings };
}

describe('examples/systemd', () => {
  it('ships the ingest and replay services with their timers', () => {
    expect(existsSync(SYSTEMD_ANALYZE), `${SYSTEMD_ANALYZE} is missing (Debian package systemd)`).toBe(true);
    expect(readdirSync(EXAMPLES).sort()).toEqual(UNITS);
  });

  it('passes systemd-analyze verify without a single finding', () => {
    const result = verify(Object.fromEntries(UNITS.map((name) => [name, unit(name)])));
    expect(result.findings).toEqual([]);
    expect(result.status).toBe(0);
  });

  it('would report a misspelt setting (the check above can fail)', () => {
    const broken = unit('claims-replay.service').replace('UMask=0077', 'UMaks=0077');
    const result = verify({ 'claims-replay.service': broken });
    expect(result.findings.join('\n')).toContain("Unknown key 'UMaks'");
  });

  it('treats rejected rows as a normal night for ingest, and undelivered events as a failure of replay', () => {
    const ingest = unit('claims-ingest.service');
    const replay = unit('claims-replay.service');
    expect(ingest).toMatch(/^SuccessExitStatus=3 4$/m);
    expect(replay).not.toMatch(/^SuccessExitStatus=/m);
    for (const text of [ingest, replay]) {
      expect(text).toMatch(/^UMask=0077$/m);
      expect(text).toMatch(/^ProtectSystem=strict$/m);
      expect(text).toMatch(/^ReadWritePaths=\/var\/lib\/claims$/m);
      expect(text).toMatch(/^ExecStart=\/usr\/local\/bin\/claims .* -q$/m);
    }
  });
});
