import { constants } from 'node:fs';
import { access, mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Command, Option } from 'commander';
import { InvalidInputError, describeError } from '../errors.js';
import { randomSeed } from '../random.js';
import { PROPERTIES, lookupProperty, type DrillProperty } from '../scenarios/fuzz/commands.js';
import type { DrillProgress, PropertyResult, Replays } from '../scenarios/fuzz/drill.js';

interface FuzzFlags {
  seed?: string;
  budget: string;
  topology: string;
  members: string;
  property?: string[];
  out: string;
}

/** Below this a property gets no run worth the name: a reset and one short sequence take seconds. */
const MIN_BUDGET_PER_PROPERTY_MS = 10_000;

/** `10m`, `90s`, `500ms` or plain milliseconds, at least 10 s for each property to run. */
export function parseBudget(text: string, properties = 1): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!match) throw new InvalidInputError(`--budget '${text}' is not a duration`, { hint: 'write e.g. 90s, 10m or 1h' });
  const ms = Number(match[1]) * { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[(match[2] ?? 'ms') as 'ms' | 's' | 'm' | 'h'];
  const least = MIN_BUDGET_PER_PROPERTY_MS * properties;
  if (ms < least) throw new InvalidInputError(`--budget ${text} is too short for ${properties} propert${properties === 1 ? 'y' : 'ies'}`, { hint: `give at least ${least / 1000}s, or fewer --property` });
  return ms;
}

function parseSeed(text: string | undefined): number {
  if (text === undefined) return randomSeed();
  // fast-check folds larger seeds into 32 bits, and the seed it printed would not be the one given.
  if (!/^\d+$/.test(text) || Number(text) > 2 ** 31 - 1) throw new InvalidInputError(`--seed takes a whole number up to ${2 ** 31 - 1}, not '${text}'`, { hint: 'copy the seed a failing run printed' });
  return Number(text);
}

function selectProperties(names: string[] | undefined): DrillProperty[] {
  if (!names?.length) return [...PROPERTIES];
  return names.map((name) => {
    const property = lookupProperty(name);
    if (!property) throw new InvalidInputError(`unknown property '${name}'`, { hint: `known properties: ${PROPERTIES.map((p) => p.name).join(', ')}` });
    return property;
  });
}

/** Made (or found) before the search starts: a bad --out must not cost minutes of searching first. */
async function writableFolder(out: string): Promise<string> {
  const dir = resolve(out);
  try {
    await mkdir(dir, { recursive: true });
    await access(dir, constants.W_OK);
  } catch (err) {
    throw new InvalidInputError(`--out ${out}: cannot write there (${(err as NodeJS.ErrnoException).code ?? describeError(err)})`, { hint: 'name a folder you can write to' });
  }
  return dir;
}

/** How often a log (CI, a soak written to a file) gets a progress line: often enough to see a run is alive, rarely enough to read. */
const LOGGED_PROGRESS_INTERVAL_MS = 15_000;

/** On a terminal one line rewritten in place; in a log, a plain line every {@link LOGGED_PROGRESS_INTERVAL_MS}. */
export function progressPrinter(stream: { isTTY?: boolean; write(text: string): unknown }, now = Date.now): { show(progress: DrillProgress): void; end(): void } {
  const text = (p: DrillProgress) => `${p.property}: ${p.runs} runs, ${p.steps} steps, ${Math.round(p.elapsedMs / 1000)} s elapsed`;
  if (stream.isTTY) {
    return { show: (p) => stream.write(`\r${text(p)}   `), end: () => stream.write('\n') };
  }
  let lastLoggedAt = now();
  return {
    show: (p) => {
      if (now() - lastLoggedAt < LOGGED_PROGRESS_INTERVAL_MS) return;
      lastLoggedAt = now();
      stream.write(`${new Date(lastLoggedAt).toISOString()} ${text(p)}\n`);
    },
    end: () => {},
  };
}

function line(result: PropertyResult): string {
  const verdict = result.failure
    ? `FAILED at "${result.failure.failedStep}"${result.failure.cutOffByBudget ? ' (in the run the budget cut off: not shrunk)' : ''}; ${describeReplays(result.failure.replays)}`
    : result.runs === 0
      ? 'NOT CHECKED (no run finished)'
      : 'held';
  return `${result.property}: ${verdict} — ${result.runs} runs, ${result.steps} steps, ${Math.round(result.durationMs / 1000)} s (seed ${result.seed})\n  commands that ran: ${describeCommands(result.commands)}`;
}

/** "failed again in 2 of 3 replays on fresh clusters": a failure that replays less often is timing-dependent, and still a failure. */
export function describeReplays(replays: Replays): string {
  const timing = replays.failed < replays.ran ? ' — timing-dependent: still a failure, to be found' : '';
  return `failed again in ${replays.failed} of ${replays.ran} replays on fresh clusters${timing}`;
}

/** "put 41, kill(leader) 12, heal 9": what a property exercised, most run first. */
export function describeCommands(counts: Record<string, number>): string {
  const entries = Object.entries(counts).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  return entries.length ? entries.map(([name, n]) => `${name} ${n}`).join(', ') : 'none';
}

export function fuzzCommand(): Command {
  return new Command('fuzz')
    .description('property-based drills: random faults, heals and runbooks against a real cluster, checked against a model; a failure is shrunk and written as a scenario file')
    .option('--seed <n>', 'seed for every property (default: a fresh one, printed)')
    .option('--budget <duration>', 'total time, shared by the properties (e.g. 90s, 10m)', '5m')
    .addOption(new Option('--topology <kind>', 'cluster shape').choices(['cluster', 'lb']).default('cluster'))
    .addOption(new Option('--members <n>', 'members (odd: the model counts quorum)').choices(['3', '5']).default('3'))
    .option('--property <name...>', `only these properties: ${PROPERTIES.map((p) => p.name).join(', ')}`)
    .option('--out <dir>', 'where a failing run’s scenario file is written', 'fuzz-failures')
    .action(async (flags: FuzzFlags) => {
      const properties = selectProperties(flags.property);
      const budgetMs = parseBudget(flags.budget, properties.length);
      const seed = parseSeed(flags.seed);
      const dir = await writableFolder(flags.out);
      const started = Date.now();
      console.log(`fuzz: seed ${seed}, budget ${Math.round(budgetMs / 1000)} s, ${properties.length} properties on ${flags.members} members (${flags.topology})`);
      const { Drill } = await import('../scenarios/fuzz/drill.js');
      const drill = await Drill.start({ name: `fuzz-${seed % 100_000}`, topology: flags.topology as 'cluster' | 'lb', members: Number(flags.members) });
      let failed = false;
      const unchecked: string[] = [];
      try {
        for (const [index, property] of properties.entries()) {
          // Each property gets an equal share of what is left.
          const timeLimitMs = Math.max(0, (budgetMs - (Date.now() - started)) / (properties.length - index));
          const progress = progressPrinter(process.stderr);
          const result = await drill.check(property, { seed, timeLimitMs, onProgress: progress.show });
          progress.end();
          console.log(line(result));
          if (result.runs === 0 && !result.failure) unchecked.push(property.name);
          if (result.failure) {
            failed = true;
            const file = join(dir, `fuzz-${property.name}-${seed}.yaml`);
            await writeFile(file, drill.scenarioFor(result.failure));
            console.log(`  shrunk to ${result.failure.commands}`);
            console.log(`  ${result.failure.error}`);
            for (const error of result.failure.replays.errors) console.log(`  a replay failed with: ${error}`);
            console.log(`  scenario: ${file}  — replay it: etcd-drill run ${file} --seed ${seed}`);
            if (!result.failure.replayable) console.log('  (a check of the drill outside the scenario format caught it: the file replays the steps up to it and may pass)');
            console.log(`  replay the search: etcd-drill fuzz --property ${property.name} --seed ${seed}`);
          }
        }
      } finally {
        await drill.stop();
      }
      if (failed) console.log(`fuzz: a property failed (seed ${seed})`);
      else if (unchecked.length) console.log(`fuzz: no run finished for ${unchecked.join(', ')} within the budget: give a longer --budget (seed ${seed})`);
      else console.log(`fuzz: every property held (seed ${seed}, ${Math.round((Date.now() - started) / 1000)} s)`);
      if (failed || unchecked.length) process.exitCode = 1;
    });
}
