import type { Report } from '../types.js';

/**
 * The report format's version, first in every JSON report: raised when a field changes meaning or
 * goes away (new fields do not raise it), so that `etcd-drill check` can refuse a report it would
 * misread instead of judging it wrongly.
 */
export const REPORT_FORMAT_VERSION = 1;

/** The whole run, timeline and history included, for tools and for diffing two runs. */
export function jsonReport(report: Report): string {
  return `${JSON.stringify({ formatVersion: REPORT_FORMAT_VERSION, ...report }, null, 2)}\n`;
}
