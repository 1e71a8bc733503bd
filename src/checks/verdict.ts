export interface Verdict {
  check: string;
  ok: boolean;
  message: string;
  details: string[];
}

const MAX_DETAILS = 20;

/**
 * A verdict from a list of violations: the first one is the headline (so a failure names the
 * key / member / op at once), and every one is in the details, capped to keep reports readable.
 */
export function verdictOf(check: string, violations: string[], okMessage: string): Verdict {
  if (violations.length === 0) return { check, ok: true, message: okMessage, details: [] };
  const [first] = violations;
  const more = violations.length > 1 ? ` (and ${violations.length - 1} more)` : '';
  const details = violations.slice(0, MAX_DETAILS);
  if (violations.length > MAX_DETAILS) details.push(`… and ${violations.length - MAX_DETAILS} more`);
  return { check, ok: false, message: `${first}${more}`, details };
}
