import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/** The import graph of src/, read with a regex over import and export-from lines. */
const SRC = resolve(import.meta.dirname, '../../src');

interface Module {
  file: string;
  /** src-relative paths of the modules it imports. */
  local: string[];
  /** Bare specifiers: packages and node: built-ins. */
  packages: string[];
  text: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

function readGraph(): Map<string, Module> {
  const graph = new Map<string, Module>();
  for (const path of sourceFiles(SRC)) {
    const text = readFileSync(path, 'utf8');
    const specifiers = [...text.matchAll(/^\s*(?:import|export)\b[^;'"]*?\bfrom\s+['"]([^'"]+)['"]/gms)].map((m) => m[1]!);
    const file = relative(SRC, path);
    graph.set(file, {
      file,
      text,
      local: specifiers.filter((s) => s.startsWith('.')).map((s) => relative(SRC, resolve(dirname(path), s)).replace(/\.js$/, '.ts')),
      packages: specifiers.filter((s) => !s.startsWith('.')),
    });
  }
  return graph;
}

const folder = (file: string) => (file.includes('/') ? file.slice(0, file.indexOf('/')) : '.');

/**
 * The one module of src/db the command layer may import, and the one command-layer file that does:
 * every other command sees storage only through the ports.
 */
const STORAGE_OPENER = 'db/storage.ts';
const CLI_OPENER = 'cli/storage.ts';

/** Every cycle found by a depth-first walk, as the files along it. */
function cycles(graph: Map<string, Module>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const walk = (file: string, path: string[]) => {
    if (state.get(file) === 'done') return;
    if (state.get(file) === 'visiting') {
      found.push([...path.slice(path.indexOf(file)), file]);
      return;
    }
    state.set(file, 'visiting');
    for (const next of graph.get(file)?.local ?? []) walk(next, [...path, file]);
    state.set(file, 'done');
  };
  for (const file of graph.keys()) walk(file, []);
  return found;
}

function violations(graph: Map<string, Module>): string[] {
  const found: string[] = [];
  for (const { file, local, packages, text } of graph.values()) {
    const from = folder(file);
    for (const target of local) {
      const to = folder(target);
      if (!graph.has(target)) found.push(`${file} imports ${target}, which does not exist`);
      if (to === 'cli' && from !== 'cli') found.push(`${file} imports the command layer (${target})`);
      if (from === 'domain' && to !== 'domain') found.push(`${file}: domain imports ${target}`);
      // Storage implements the ports its consumers declare, and knows nothing else of them.
      if (from === 'db' && (to === 'ingest' || to === 'events' || to === 'output') && !target.endsWith('/ports.ts')) {
        found.push(`${file}: db imports ${target} (only the ports of ingest, events and output)`);
      }
      if ((from === 'ingest' || from === 'events' || from === 'output') && to === 'db') found.push(`${file} imports storage (${target}): use a port`);
      if (from === 'cli' && to === 'db' && (file !== CLI_OPENER || target !== STORAGE_OPENER)) {
        found.push(`${file} imports ${target}: open storage with ${CLI_OPENER}, use the ports`);
      }
      if (from === 'ingest' && to === 'events') found.push(`${file}: ingest imports ${target} (delivery is a port)`);
    }
    for (const name of packages) {
      if (/^(drizzle-orm|drizzle-kit|better-sqlite3|postgres)(\/|$)/.test(name) && from !== 'db') found.push(`${file} imports ${name} outside src/db`);
      // Pure: hashing is fine, anything that reaches a file, a process or the network is not.
      if (from === 'domain' && /^node:(fs|net|http|https|child_process|os|process|dgram|tls)(\/|$)/.test(name)) {
        found.push(`${file}: domain imports ${name}`);
      }
    }
    // SQLite specifics stay in src/db.
    if (from !== 'db' && /\$client|json_each|behavior:\s*'immediate'/.test(text)) {
      found.push(`${file} uses SQLite specifics`);
    }
  }
  return found;
}

describe('architecture of src/', () => {
  const graph = readGraph();

  it('reads the import graph (positive control: the known edges are there)', () => {
    expect(graph.get('cli/main.ts')?.local).toContain('cli/exit.ts');
    expect(graph.get('db/ingest-store.ts')?.local).toContain('ingest/ports.ts');
    expect(graph.get('db/connect.ts')?.packages).toContain('better-sqlite3');
    expect(graph.get(CLI_OPENER)?.local).toContain(STORAGE_OPENER);
  });

  it('lets the command layer import exactly one module of src/db, the storage opener, from one file', () => {
    const edges = [...graph.values()]
      .filter((m) => folder(m.file) === 'cli')
      .flatMap((m) => m.local.filter((target) => folder(target) === 'db').map((target) => `${m.file} -> ${target}`));
    expect(edges).toEqual([`${CLI_OPENER} -> ${STORAGE_OPENER}`]);
  });

  it('has no import cycle', () => {
    expect(cycles(graph)).toEqual([]);
  });

  it('keeps dependencies pointing inward', () => {
    expect(violations(graph)).toEqual([]);
  });

  it('finds a cycle and each kind of violation when there is one (positive control)', () => {
    const module = (file: string, local: string[], packages: string[] = [], text = ''): [string, Module] => [
      file,
      { file, local, packages, text },
    ];
    const bad = new Map([
      module('db/open.ts', ['db/runs.ts'], ['better-sqlite3']),
      module('db/runs.ts', ['db/open.ts', 'events/payload.ts']),
      module('events/payload.ts', ['domain/money.ts']),
      module('domain/money.ts', ['cli/context.ts'], ['node:fs']),
      module('cli/context.ts', []),
      module('ingest/pipeline.ts', ['db/runs.ts'], ['drizzle-orm'], 'db.$client.prepare()'),
      module('cli/list.ts', ['db/storage.ts', 'cli/context.ts'], [], 'db.$client.close()'),
      module('cli/storage.ts', ['db/storage.ts', 'db/queries.ts']),
      module('db/storage.ts', []),
      module('db/queries.ts', []),
    ]);
    expect(cycles(bad)).toEqual([['db/open.ts', 'db/runs.ts', 'db/open.ts']]);
    expect(violations(bad)).toEqual([
      'db/runs.ts: db imports events/payload.ts (only the ports of ingest, events and output)',
      'domain/money.ts imports the command layer (cli/context.ts)',
      'domain/money.ts: domain imports cli/context.ts',
      'domain/money.ts: domain imports node:fs',
      'ingest/pipeline.ts imports storage (db/runs.ts): use a port',
      'ingest/pipeline.ts imports drizzle-orm outside src/db',
      'ingest/pipeline.ts uses SQLite specifics',
      'cli/list.ts imports db/storage.ts: open storage with cli/storage.ts, use the ports',
      'cli/list.ts uses SQLite specifics',
      'cli/storage.ts imports db/queries.ts: open storage with cli/storage.ts, use the ports',
    ]);
  });
});
