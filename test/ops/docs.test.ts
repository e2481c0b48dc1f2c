import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';
import { runMain } from '../helpers/main.js';

const REFERENCE = 'docs/cli.md';
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

function filesUnder(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const path = join(dir, name);
    return statSync(join(ROOT, path)).isDirectory() ? filesUnder(path) : [path];
  });
}

/** What the project ships to read: a clone or the tarball has these and nothing outside them. */
const DOCUMENTS = ['README.md', ...filesUnder('docs'), ...filesUnder('examples')];

interface HelpEntry {
  command: string;
  flags: string[];
  envs: string[];
}

/** Walks `--help` from the top: every command path with the flags and environment variables it shows. */
async function helpTree(words: string[] = []): Promise<HelpEntry[]> {
  const { stdout } = await runMain([...words, '--help']);
  const section = (title: string) => {
    const match = new RegExp(`^${title}:\\n((?:  .*\\n?|\\s{3,}.*\\n?)*)`, 'm').exec(stdout);
    return match ? match[1]! : '';
  };
  const options = section('Options') + section('Global Options');
  const flags = [...options.matchAll(/^ {2}(?:-\w, )?(--[\w-]+)/gm)].map((m) => m[1]!);
  const envs = [...options.matchAll(/env:\s+(\w+)/g)].map((m) => m[1]!);
  const entries: HelpEntry[] = [{ command: ['claims', ...words].join(' '), flags, envs }];
  const subcommands = [...section('Commands').matchAll(/^ {2}([a-z][\w-]*)/gm)].map((m) => m[1]!);
  for (const sub of subcommands) {
    // `help` takes command words, not flags: `claims help` is checked by name only.
    if (sub === 'help') {
      if (words.length === 0) entries.push({ command: 'claims help', flags: [], envs: [] });
    }
    else if (words.length < 3) entries.push(...(await helpTree([...words, sub])));
  }
  return entries;
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
function anchors(markdown: string): Set<string> {
  return new Set(
    [...markdown.matchAll(/^#{1,6} (.+)$/gm)].map((m) =>
      m[1]!
        .toLowerCase()
        .replace(/[^\p{L}\p{N} _-]/gu, '')
        .replace(/ /g, '-'),
    ),
  );
}

describe('the project documents itself', () => {
  it('refers to nothing outside the repository', () => {
    for (const path of DOCUMENTS) {
      expect(read(path), path).not.toMatch(/\.\.\/shared|\/work\/|CONTRACT\.md/);
    }
  });

  it('links only to files and headings that exist', () => {
    for (const path of ['README.md', REFERENCE]) {
      const text = read(path);
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target!)) continue;
        const [file, anchor] = target!.split('#');
        const linked = file ? join(dirname(join(ROOT, path)), file) : join(ROOT, path);
        expect(existsSync(linked), `${path} links to ${target}`).toBe(true);
        if (anchor) expect(anchors(readFileSync(linked, 'utf8')), `${path} links to ${target}`).toContain(anchor);
      }
    }
  });

  it('keeps the two set-up commands of the README exactly, and CI runs the second', () => {
    const readme = read('README.md');
    expect(readme).toContain('npm ci && bin/claims ingest fixtures/claim_1234.csv');
    expect(readme).toContain('npm ci && npm test');
    expect(read('.ci/run')).toMatch(/^npm ci && npm test$/m);
  });

  it(`documents in ${REFERENCE} every command, flag and environment variable that --help shows`, async () => {
    const reference = read(REFERENCE);
    const tree = await helpTree();
    expect(tree.map((entry) => entry.command)).toEqual(expect.arrayContaining(['claims ingest', 'claims report summary']));
    const missing = tree.flatMap((entry) => [
      ...(reference.includes(`${entry.command}`) ? [] : [entry.command]),
      ...entry.flags.filter((flag) => !new RegExp(`[\`, []${flag}(?![\\w-])`).test(reference)).map((flag) => `${entry.command} ${flag}`),
      ...entry.envs.filter((env) => !reference.includes(`\`${env}\``)).map((env) => `${entry.command}: ${env}`),
    ]);
    expect([...new Set(missing)]).toEqual([]);
  });

  it(`documents in ${REFERENCE} every rule that claims rules lists`, async () => {
    const reference = read(REFERENCE);
    const { code, stdout, stderr } = await runMain(['rules', '--format', 'json']);
    expect(code, stderr).toBe(0);
    const names = (JSON.parse(stdout) as { name: string }[]).map((rule) => rule.name);
    expect(names.length).toBeGreaterThan(5);
    expect(names.filter((name) => !reference.includes(`| \`${name}\` |`))).toEqual([]);
  });

  it('ships the reference and the examples in the package', () => {
    const files = (JSON.parse(read('package.json')) as { files: string[] }).files;
    expect(files).toEqual(expect.arrayContaining(['docs', 'examples']));
    expect(relative(ROOT, join(ROOT, REFERENCE))).toBe(REFERENCE);
  });
});
