import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalog } from '../../src/scenarios/catalog.js';
import { loadScenario, ScenarioFileError } from '../../src/scenarios/scenario-file.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'preflight-'));
  await writeFile(join(dir, 'ok.sh'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  await writeFile(join(dir, 'plain.sh'), '#!/bin/sh\nexit 0\n');
  await chmod(join(dir, 'plain.sh'), 0o644);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function scenarioWith(script: string): Promise<string> {
  const file = join(dir, `s-${Math.random().toString(36).slice(2, 8)}.yaml`);
  await writeFile(file, `name: s\ndescription: d\ntopology: { topology: single }\nworkload: none\nsteps:\n  - runbook: exec\n    options: { script: ${script}, does: restore }\n`);
  return file;
}

describe("a team's script is checked when its scenario file is read, before any cluster starts", () => {
  it('finds a relative script in the scenario file’s folder', async () => {
    const scenario = await loadScenario(await scenarioWith('ok.sh'), catalog());
    expect(scenario.steps).toHaveLength(1);
  });

  it.each([
    ['missing.sh', /^\S+\.yaml:6: steps\.0\.options\.script: no script at \S+\/missing\.sh$/],
    ['plain.sh', /^\S+\.yaml:6: steps\.0\.options\.script: \S+\/plain\.sh is not executable: chmod \+x it/],
  ])('refuses %s in one line', async (script, line) => {
    const error = await loadScenario(await scenarioWith(script), catalog()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ScenarioFileError);
    expect((error as ScenarioFileError).message.split('\n')).toEqual([expect.stringMatching(line)]);
  });
});
