/** Options every CLI command may see (the audit ones; each feature's commands add their own). */
export interface CliOptions {
  anchor?: string;
  format?: string;
  since?: string;
  until?: string;
  node?: string;
  actor?: string;
  action?: string;
  output?: string;
  limit?: string;
}
