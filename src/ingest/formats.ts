/** The input formats `claims ingest` reads; its own module so the CLI can list them without loading the readers. */
export const INPUT_FORMATS = ['csv', 'json', 'ndjson'] as const;
export type InputFormat = (typeof INPUT_FORMATS)[number];
