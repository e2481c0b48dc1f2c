import { InvalidArgumentError } from 'commander';
import { defineCommand, parsedFlag, type OptionsOf } from '../command.js';
import { formatFlag } from '../flags.js';
import { UsageError } from '../../errors.js';

function postgresUrl(value: string): string {
  if (!/^postgres(ql)?:\/\//i.test(value)) throw new InvalidArgumentError('must be a postgres:// URL');
  return value;
}

const flags = {
  to: parsedFlag('--to <url>', 'the PostgreSQL database to copy into (postgres://…); created if missing, must hold no runs', postgresUrl),
  format: formatFlag(),
};

export type CopyOptions = OptionsOf<typeof flags>;

export const copy = defineCommand({
  name: 'copy',
  description: 'copy the SQLite database (--db) into an empty PostgreSQL database, ids and event states kept',
  flags,
  help: `
Examples:
  $ claims copy --db /var/lib/claims/claims.db --to postgres://claims@db.example/claims`,
  check: (options) => {
    if (options.to === undefined) throw new UsageError('copy needs --to postgres://…');
  },
  run: async (ctx, options) => (await import('../copy.js')).copyCommand(ctx, options),
});
