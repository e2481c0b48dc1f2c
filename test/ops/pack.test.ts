import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE, ROOT } from '../helpers/cli.js';

const NATIVE_ADDON = 'node_modules/better-sqlite3/build/Release/better_sqlite3.node';

let tmp: string;
let tarball: string;
let packed: string[];

// Under `npm test`, npm's own settings (npm_config_local_prefix=<this checkout>, …) are in the
// environment; the npm commands below must act on the temporary folders only.
const ENV = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)));

function run(command: string, args: string[], cwd: string): string {
  return execFileSync(command, args, { cwd, env: ENV, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 90_000 });
}

beforeAll(() => {
  // The tarball packs dist/ as it is: `npm test` builds it first (pretest); so must whoever runs this file alone.
  expect(existsSync(join(ROOT, 'dist/cli/main.js')), 'dist/ is missing: run `npm run build` first').toBe(true);
  tmp = mkdtempSync(join(tmpdir(), 'claims-pack-'));
  // --ignore-scripts: `prepare` would rebuild dist/ under the feet of the other test files running now.
  const [info] = JSON.parse(run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', tmp], ROOT)) as [
    { filename: string; files: { path: string }[] },
  ];
  tarball = join(tmp, info.filename);
  packed = info.files.map((file) => file.path);
}, 90_000);

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('the packed tarball', () => {
  it('holds the compiled CLI, its migrations and its reference, and no source map without its source', () => {
    expect(packed).toEqual(expect.arrayContaining(['bin/claims', 'dist/cli/main.js', 'drizzle/meta/_journal.json', 'README.md', 'docs/cli.md']));
    expect(packed.filter((path) => path.endsWith('.map'))).toEqual([]);
    expect(packed.filter((path) => path.startsWith('src/') || path.startsWith('test/'))).toEqual([]);
  });

  it('points at no source map from its compiled files', () => {
    const pointing = packed
      .filter((path) => path.endsWith('.js'))
      .filter((path) => readFileSync(join(ROOT, path), 'utf8').includes('sourceMappingURL'));
    expect(pointing).toEqual([]);
  });

  it('installs into a prefix and ingests the canonical claim from another directory', () => {
    // The package is private: it is deployed as this tarball plus the lockfile it was tested with
    // (npm never packs package-lock.json). `npm ci --offline` takes the locked versions from npm's
    // cache, which the project's own `npm ci` filled; `npm install -g tarball` could not work
    // offline, as it resolves versions afresh from registry metadata that `npm ci` never caches.
    const prefix = join(tmp, 'prefix');
    const home = join(prefix, 'lib/claims');
    mkdirSync(home, { recursive: true });
    run('tar', ['xzf', tarball, '-C', home, '--strip-components=1'], tmp);
    copyFileSync(join(ROOT, 'package-lock.json'), join(home, 'package-lock.json'));
    // --ignore-scripts skips better-sqlite3's install script, which would download a prebuilt binary
    // or compile SQLite for minutes; the addon compiled by the project's `npm ci` is the same version
    // (same lockfile) for the same Node, so it is reused.
    run('npm', ['ci', '--prefix', home, '--omit=dev', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'], home);
    // The package's own `prepare` (which builds from src/ in a clone) must pass where there is no
    // src/ and no TypeScript: the README's install runs it, as `npm ci` does.
    run('npm', ['run', 'prepare', '--prefix', home], home);
    mkdirSync(join(home, 'node_modules/better-sqlite3/build/Release'), { recursive: true });
    copyFileSync(join(ROOT, NATIVE_ADDON), join(home, NATIVE_ADDON));
    mkdirSync(join(prefix, 'bin'));
    symlinkSync('../lib/claims/bin/claims', join(prefix, 'bin/claims'));

    const elsewhere = join(tmp, 'elsewhere');
    mkdirSync(elsewhere);
    const stdout = execFileSync(join(prefix, 'bin/claims'), ['ingest', FIXTURE, '--format', 'json', '-q'], {
      cwd: elsewhere,
      encoding: 'utf8',
      env: { PATH: `${join(prefix, 'bin')}:${process.env.PATH}`, HOME: tmp },
      timeout: 30_000,
    });
    expect(JSON.parse(stdout)).toMatchObject([{ status: 'completed', claims_stored: 1, net_fee_cents: 11685 }]);
    expect(statSync(join(elsewhere, 'claims.db')).isFile()).toBe(true);
    // No dev dependency came along.
    expect(existsSync(join(home, 'node_modules/vitest'))).toBe(false);
  }, 120_000);
});
