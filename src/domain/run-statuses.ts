/** What a run can be: pure data, so the CLI can offer them as choices and a report port can name them without loading database code. */
export const RUN_STATUSES = ['running', 'completed', 'refused', 'interrupted'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
