import type { Report } from '../types.js';

/** The whole run, timeline and history included, for tools and for diffing two runs. */
export function jsonReport(report: Report): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
