/** The output formats, apart from their writers: the flag declarations need them at every start-up. */
export const OUTPUT_FORMATS = ['table', 'csv', 'json', 'ndjson'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];
