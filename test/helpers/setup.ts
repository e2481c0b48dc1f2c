import { afterAll } from 'vitest';
import { settlePgDrops } from './cli.js';

// Test databases on PostgreSQL are dropped in the background; a file's end waits for its own. Each
// DROP DATABASE makes the server checkpoint: a file of many small tests on a busy machine can take
// longer than the usual hook timeout to see them all done.
afterAll(settlePgDrops, 180_000);
