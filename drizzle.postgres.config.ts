import { defineConfig } from 'drizzle-kit';

// The PostgreSQL backend's migrations, apart from SQLite's (drizzle/): `npm run db:generate:postgres`.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/postgres/schema.ts',
  out: './drizzle/postgres',
});
