// Moved to src/domain; kept here for the command layer's imports until it takes them from there.
export { RUN_STATUSES, type RunStatus } from '../domain/run-statuses.js';
