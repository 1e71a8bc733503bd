import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runScenarioLeavingNothing } from './helpers.js';
import { catalog, SHIPPED_DIR } from '../../src/scenarios/catalog.js';
import { loadScenario } from '../../src/scenarios/scenario-file.js';
import type { Report, Scenario } from '../../src/scenarios/types.js';

/**
 * The shipped example scripts (§3 replace, §6 restore, written with etcdctl and the member verbs)
 * are proven green by their own shipped scenarios, run with every other one. Here each is doctored
 * the way a team's script goes wrong: one planted change to the shipped file, so the copy can
 * never drift from it; each must turn its scenario red with a message that says what went wrong.
 */

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'etcd-drill-doctored-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The shipped script with `from` replaced by `to` (which must be found), saved as an executable copy. */
async function doctor(script: string, from: string | RegExp, to: string): Promise<string> {
  const text = await readFile(join(SHIPPED_DIR, 'scripts', script), 'utf8');
  const doctored = text.replace(from, to);
  expect(doctored, `the doctoring of ${script} must change it`).not.toBe(text);
  const path = join(dir, `${script}-${Math.random().toString(36).slice(2, 8)}`);
  await writeFile(path, doctored);
  await chmod(path, 0o755);
  return path;
}

/**
 * The shipped scenario with its script step running `script` instead, and ending there: what
 * follows only gathers evidence for a green run, and the checks judge what the script did.
 * `members` shrinks the cluster where the mistake does not depend on its size (the restore script
 * takes its members from $ETCD_DRILL_MEMBERS): three restore as five do, in less time.
 */
async function withScript(scenario: string, script: string, members?: number): Promise<Scenario> {
  const loaded = await loadScenario(join(SHIPPED_DIR, `${scenario}.yaml`), catalog());
  const at = loaded.steps.findIndex((s) => s.kind === 'runbook' && s.runbook === 'exec');
  const step = loaded.steps[at] as Extract<Scenario['steps'][number], { kind: 'runbook' }>;
  const topology = members === undefined ? loaded.topology : { ...loaded.topology, members };
  return { ...loaded, topology, steps: [...loaded.steps.slice(0, at), { ...step, options: { ...step.options, script } }] };
}

function failures(report: Report): string {
  return [...report.steps.filter((s) => s.state === 'failed').map((s) => `step ${s.name}: ${s.message}`), ...report.checks.filter((c) => !c.ok).map((c) => `check ${c.check}: ${c.message}`)].join('\n');
}

const scriptStep = (report: Report) => report.steps.find((s) => s.name === "the team's restore script" || s.name === "the team's replace script");

describe("a team's restore script, doctored, fails its scenario with the reason", () => {
  it('a member skipped: the restore proof names it', async () => {
    const script = await doctor('restore.sh', /^(for name in \$names; do\n  etcd-drill member exec)/m, 'for name in $names; do\n  [ "$name" = member3 ] && continue # doctored: one member skipped\n  etcd-drill member exec');
    const report = await runScenarioLeavingNothing(await withScript('script-restore', script, 3), { seed: 11 });
    console.log(failures(report));
    expect(report.passed).toBe(false);
    expect(scriptStep(report)?.message).toMatch(/the restored members do not all hold the snapshot: .*but member3 (hashes to \d+|cannot tell its hash)/);
  });

  it('the old cluster token kept: restore-new-cluster says the cluster ID did not change', async () => {
    const script = await doctor('restore.sh', /^token=.*$/m, 'token="etcd-drill-$ETCD_DRILL_CLUSTER" # doctored: the old token kept');
    const report = await runScenarioLeavingNothing(await withScript('script-restore', script, 3), { seed: 11 });
    console.log(failures(report));
    expect(report.passed).toBe(false);
    expect(report.checks.find((c) => c.check === 'restore-new-cluster')?.message).toMatch(/kept cluster ID [0-9a-f]+/);
  });

  it('a restore under running API servers: restore-rpo says they were not stopped', async () => {
    const script = await doctor('restore.sh', /^etcd-drill apiservers (stop|start)$/gm, '# doctored: the API servers left running');
    const report = await runScenarioLeavingNothing(await withScript('script-restore', script, 3), { seed: 11 });
    console.log(failures(report));
    expect(report.passed).toBe(false);
    expect(report.checks.find((c) => c.check === 'restore-rpo')?.message).toMatch(/API servers were not stopped: \d+ operations issued while etcd was being restored/);
  });
});

describe("a team's replace script, doctored, fails its scenario with the reason", () => {
  it('add before remove: etcd refuses the add, and the step says so', async () => {
    const text = await readFile(join(SHIPPED_DIR, 'scripts', 'replace-member.sh'), 'utf8');
    const removeLoop = /^for name in "\$\{failed\[@\]\}"; do\n  id=.*\n  etcdctl .* member remove .*\ndone\n/m.exec(text)?.[0];
    expect(removeLoop).toBeDefined();
    // The removals moved to the end, after every add.
    const script = await doctor('replace-member.sh', removeLoop as string, '');
    await writeFile(script, `${await readFile(script, 'utf8')}\n# doctored: removed after the adds\n${removeLoop as string}`);
    const report = await runScenarioLeavingNothing(await withScript('script-replace-member', script), { seed: 11 });
    console.log(failures(report));
    expect(report.passed).toBe(false);
    expect(scriptStep(report)?.message).toMatch(/member add member6 refused: .*unhealthy cluster/);
  });
});
