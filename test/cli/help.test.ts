import { execFileSync } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { claims, Workspace } from '../helpers/cli.js';
import { runMain } from '../helpers/main.js';

const SUBCOMMANDS = [['ingest'], ['replay'], ['list'], ['runs'], ['copy'], ['rules'], ['completion'], ['report', 'top-providers'], ['report', 'summary'], ['report', 'rejections']];

describe('help', () => {
  it.each(SUBCOMMANDS.map((words) => [words.join(' '), words]))('of %s shows the global options and an example', async (_name, words) => {
    const result = await runMain([...words, '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Usage: claims ${words.join(' ')}`);
    expect(result.stdout).toMatch(/Global Options:[\s\S]*--db <path>[\s\S]*--nats <url>[\s\S]*-q, --quiet/);
    expect(result.stdout).toMatch(/Examples?:\n\s+\$ claims /);
  });

  it('claims --help off a terminal (answered from the help the build rendered) is the help the command line gives', async () => {
    for (const flag of ['--help', '-h']) {
      const spawned = await claims([flag]);
      expect(spawned.code).toBe(0);
      expect(spawned.stdout).toBe((await runMain(['--help'])).stdout);
      expect(spawned.stdout).toContain('Usage: claims [options] [command]');
    }
  });

  it('claims help follows every command word', async () => {
    const result = await runMain(['help', 'report', 'summary']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe((await runMain(['report', 'summary', '--help'])).stdout);
    expect(result.stdout).toContain('Usage: claims report summary');
    expect((await runMain(['help', 'report'])).stdout).toContain('Usage: claims report [options] [command]');
    expect((await runMain(['help'])).stdout).toContain('Usage: claims [options] [command]');
  });

  it('claims help of an unknown command is a usage error', async () => {
    const result = await runMain(['help', 'report', 'nope']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('claims: no such command: claims report nope (see claims --help)\n');
  });
});

describe('claims completion', () => {
  let ws: Workspace;
  beforeEach(() => {
    ws = new Workspace();
  });
  afterEach(() => ws.remove());

  /** Sources the script in bash and asks its function for the completions of a command line. */
  async function complete(shell: 'bash' | 'zsh', line: string[]): Promise<string[]> {
    const script = ws.file('claims.bash', (await runMain(['completion', shell])).stdout);
    const words = line.map((w) => `'${w}'`).join(' ');
    const out = execFileSync(
      'bash',
      ['--norc', '--noprofile', '-c', `source "$1"; COMP_WORDS=(${words}); COMP_CWORD=${line.length - 1}; _claims; printf '%s\\n' "\${COMPREPLY[@]}"`, 'bash', script],
      { encoding: 'utf8', cwd: ws.dir },
    );
    return out.split('\n').filter(Boolean);
  }

  it('completes command words, subcommands, flags and choices from the command definitions', async () => {
    expect(await complete('bash', ['claims', 'rep'])).toEqual(['replay', 'report']);
    expect(await complete('bash', ['claims', 'report', ''])).toEqual(['top-providers', 'summary', 'rejections']);
    expect(await complete('bash', ['claims', '--db', 'x.db', 'report', 's'])).toEqual(['summary']);
    expect(await complete('bash', ['claims', 'runs', '--status', ''])).toEqual(['running', 'completed', 'refused', 'interrupted']);
    expect(await complete('bash', ['claims', 'report', 'summary', '--format', 'j'])).toEqual(['json']);
    expect(await complete('bash', ['claims', 'list', '--li'])).toEqual(['--lines', '--limit']);
    // Global options complete after the command words too.
    expect(await complete('bash', ['claims', 'report', 'summary', '--na'])).toEqual(['--nats', '--nats-creds', '--nats-timeout']);
    expect(await complete('bash', ['claims', 'completion', ''])).toEqual(['bash', 'zsh']);
  });

  it('completes file names where a file is expected', async () => {
    ws.file('claims_2018.csv', 'x');
    expect(await complete('bash', ['claims', 'ingest', 'claims_'])).toEqual(['claims_2018.csv']);
    expect(await complete('bash', ['claims', 'list', '--db', 'claims_'])).toEqual(['claims_2018.csv']);
  });

  it('prints a zsh script that registers the same completion', async () => {
    const zsh = (await runMain(['completion', 'zsh'])).stdout;
    expect(zsh.split('\n')[0]).toBe('#compdef claims');
    expect(zsh).toContain('bashcompinit');
    expect(zsh).toContain((await runMain(['completion', 'bash'])).stdout);
  });

  it('refuses an unknown shell as a usage error', async () => {
    const result = await runMain(['completion', 'fish']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("value 'fish' is invalid for argument 'shell'");
  });
});
