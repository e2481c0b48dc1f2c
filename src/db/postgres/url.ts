// What `--db` names: a postgres:// (or postgresql://) URL selects PostgreSQL, anything else is a
// SQLite file. Kept apart from the driver so choosing the backend loads nothing.

export function isPostgresUrl(target: string): boolean {
  return /^postgres(ql)?:\/\//i.test(target);
}

/** The URL as logs and errors may show it: a password never appears, whatever else is wrong with it. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    // Unparseable: show up to the host part without any user:password@.
    return url.replace(/\/\/[^@/]*@/, '//***@');
  }
}
