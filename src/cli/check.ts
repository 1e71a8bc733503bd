import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { CHECKS, judge, lookupCheck } from '../checks/registry.js';
import type { Floors, Verdict } from '../checks/verdict.js';
import { DrillError, InvalidInputError } from '../errors.js';
import { emptyHistory, OP_KINDS, type History } from '../workload/history.js';
import { REPORT_FORMAT_VERSION } from '../scenarios/reports/json.js';

/** Enough of a run file's shape to judge it; the rest passes through as the run wrote it (docs/HISTORY.md). */
const runFile = z.object({
  /** Absent in reports written before the format had a version: those read as version 1. */
  formatVersion: z.number().int().optional(),
  checks: z.array(z.object({ check: z.string() }).passthrough()).optional(),
  floors: z.record(z.string(), z.record(z.string(), z.number().int().min(0))).optional(),
  history: z
    .object({
      operations: z.array(z.object({ id: z.number(), kind: z.enum(OP_KINDS), key: z.string(), start: z.number(), end: z.number(), ok: z.boolean() }).passthrough()),
      leaders: z.array(z.unknown()).optional(),
      faults: z.array(z.object({ injectedAt: z.number(), members: z.array(z.string()), clusterSize: z.number() }).passthrough()).optional(),
      restores: z.array(z.object({ startedAt: z.number(), endedAt: z.number(), snapshotRevision: z.number() }).passthrough()).optional(),
      settleMs: z.number().optional(),
    })
    .passthrough(),
});

/** Reads a run's JSON report (`etcd-drill run` writes one per scenario); any problem is one line that says what to do. */
export async function loadRun(path: string): Promise<{ history: History; floors: Floors; judged: string[] }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new InvalidInputError(`cannot read ${path}: ${(err as Error).message}`, { hint: 'give the JSON report of a run (reports/<scenario>.json)' });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new InvalidInputError(`${path} is not JSON`, { hint: 'give the JSON report of a run (reports/<scenario>.json), not the HTML or JUnit one' });
  }
  const parsed = runFile.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InvalidInputError(`${path} is not a run report: ${issue ? `${issue.path.join('.') || '(top)'}: ${issue.message}` : 'unknown shape'}`, {
      hint: 'give the JSON report `etcd-drill run` wrote (reports/<scenario>.json); its format is in docs/HISTORY.md',
    });
  }
  const version = parsed.data.formatVersion ?? 1;
  if (version > REPORT_FORMAT_VERSION) {
    throw new InvalidInputError(`${path} is a report of format ${version}; this etcd-drill reads format ${REPORT_FORMAT_VERSION} and older`, { hint: 'judge that JSON report with the etcd-drill that wrote it, or upgrade this one' });
  }
  return {
    history: { ...emptyHistory(), ...(parsed.data.history as unknown as Partial<History>) },
    floors: parsed.data.floors ?? {},
    judged: (parsed.data.checks ?? []).map((c) => c.check),
  };
}

/**
 * Judges a saved run again and prints each verdict with its evidence: the checks the run judged
 * (`all`: every check there is; `only`: those named). Throws when any is not ok, after printing them all.
 */
export async function checkRun(path: string, which: { only?: string[] | undefined; all?: boolean | undefined }, write: (line: string) => void): Promise<Verdict[]> {
  for (const name of which.only ?? []) lookupCheck(name);
  const { history, floors, judged } = await loadRun(path);
  const names = which.only ?? (which.all || judged.length === 0 ? [...CHECKS.keys()] : judged);
  const verdicts = names.map((name) => judge(name, history, floors));
  for (const verdict of verdicts) {
    write(`${verdict.ok ? '✔' : '✘'} ${verdict.check.padEnd(22)} ${verdict.status.padEnd(12)} ${verdict.message}`);
    for (const detail of verdict.details.slice(1)) write(`    ${detail}`);
  }
  const bad = verdicts.filter((v) => !v.ok);
  if (bad.length) throw new DrillError(`${bad.length} of ${verdicts.length} checks are not ok: ${bad.map((v) => `${v.check} (${v.status})`).join(', ')}`, { hint: 'each line above says what it found or what it lacked' });
  return verdicts;
}
