import type { History } from '../workload/history.js';

/**
 * `ok`: the check looked at enough and found nothing wrong. `failed`: it found a violation.
 * `inconclusive`: it found nothing wrong but looked at less than its floor — a failed check, since
 * it cannot vouch for anything. `unknown`: it could not decide (a search past its budget) — also
 * failed, never a pass.
 */
export type VerdictStatus = 'ok' | 'failed' | 'inconclusive' | 'unknown';

/** One count a check judged, and the least it needs to vouch for anything. */
export interface Evidence {
  /** What was counted, in words that read after the number: "reads compared with an earlier write". */
  what: string;
  /** The floor's name in scenario files (`floors: { no-stale-reads: { reads: 5 } }`). */
  floor: string;
  count: number;
  /** The floor in force: the check's default, or the scenario's. */
  min: number;
  /** The check's own default, so a report shows a lowered floor. */
  defaultMin: number;
}

export interface Verdict {
  check: string;
  status: VerdictStatus;
  /** status === 'ok' */
  ok: boolean;
  /** One line: the first violation, why it is inconclusive, or what was judged. */
  message: string;
  details: string[];
  evidence: Evidence[];
}

const MAX_DETAILS = 20;

/** Floors a scenario set, by check then by floor name. */
export type Floors = Record<string, Record<string, number>>;

/** A check: a pure function of a History and the floors in force, with its floors' defaults. */
export interface CheckDefinition {
  name: string;
  /** One line for `etcd-drill check --help` and docs/VERDICTS.md. */
  description: string;
  /** Floor name → default least count. */
  floors: Record<string, number>;
  judge(history: History, floors: Record<string, number>): Verdict;
}

export function defineCheck(definition: CheckDefinition): CheckDefinition {
  return definition;
}

/** Counts with the floors in force: a scenario's, else the check's defaults. */
export function evidenceOf(
  definition: Pick<CheckDefinition, 'floors'>,
  floors: Record<string, number>,
  counts: { floor: string; what: string; count: number }[],
): Evidence[] {
  return counts.map(({ floor, what, count }) => {
    const defaultMin = definition.floors[floor] ?? 0;
    return { floor, what, count, min: floors[floor] ?? defaultMin, defaultMin };
  });
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** "412 reads compared with an earlier write, 1,030 acknowledged writes" */
export function describeEvidence(evidence: Evidence[]): string {
  return evidence.map((e) => `${formatCount(e.count)} ${e.what}${e.min !== e.defaultMin ? ` (floor lowered to ${e.min})` : ''}`).join(', ');
}

/**
 * A verdict from the violations found and the evidence judged: the first violation is the
 * headline (so a failure names the key / member / op at once) and every one is in the details,
 * capped to keep reports readable; with none, a count below its floor makes it inconclusive.
 * `summary` (optional) follows the evidence in an ok message.
 */
export function verdictOf(check: string, violations: string[], evidence: Evidence[], summary?: string): Verdict {
  if (violations.length > 0) {
    const [first] = violations;
    const more = violations.length > 1 ? ` (and ${violations.length - 1} more)` : '';
    const details = violations.slice(0, MAX_DETAILS);
    if (violations.length > MAX_DETAILS) details.push(`… and ${violations.length - MAX_DETAILS} more`);
    return { check, status: 'failed', ok: false, message: `${first}${more}`, details, evidence };
  }
  const short = evidence.filter((e) => e.count < e.min);
  if (short.length > 0) {
    const why = short.map((e) => `${formatCount(e.count)} ${e.what} (floor ${e.min})`).join(', ');
    return { check, status: 'inconclusive', ok: false, message: `inconclusive: only ${why}; give the scenario more of what is counted, or lower the floor in its \`floors:\``, details: [], evidence };
  }
  const judged = describeEvidence(evidence);
  return { check, status: 'ok', ok: true, message: [judged, summary].filter(Boolean).join(': '), details: [], evidence };
}

/** A check that could not decide (a search past its budget): failed, and says so. */
export function unknownVerdict(check: string, why: string, evidence: Evidence[]): Verdict {
  return { check, status: 'unknown', ok: false, message: `unknown: ${why}`, details: [], evidence };
}
