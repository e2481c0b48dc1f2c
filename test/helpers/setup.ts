import { afterAll } from 'vitest';
import { settlePgDrops } from './cli.js';

// Test databases on PostgreSQL are dropped in the background; a file's end waits for its own.
afterAll(settlePgDrops);
