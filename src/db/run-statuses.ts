/** What a run can be; its own module so the CLI can offer them as choices without loading the database code. */
export const RUN_STATUSES = ['running', 'completed', 'refused', 'interrupted'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
