import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Command, Option } from 'commander';
import { InvalidInputError } from '../errors.js';
import { randomSeed } from '../random.js';
import { PROPERTIES, lookupProperty, type DrillProperty } from '../scenarios/fuzz/commands.js';
import { Drill, type PropertyResult } from '../scenarios/fuzz/drill.js';

interface FuzzFlags {
  seed?: string;
  budget: string;
  topology: string;
  members: string;
  property?: string[];
  out: string;
}

/** `10m`, `90s`, `500ms` or plain milliseconds. */
export function parseBudget(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!match) throw new InvalidInputError(`--budget '${text}' is not a duration`, { hint: 'write e.g. 90s, 10m or 1h' });
  const ms = Number(match[1]) * { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[(match[2] ?? 'ms') as 'ms' | 's' | 'm' | 'h'];
  if (ms < 10_000) throw new InvalidInputError(`--budget ${text} is too short for a single drill run`, { hint: 'give at least 10s' });
  return ms;
}

function parseSeed(text: string | undefined): number {
  if (text === undefined) return randomSeed();
  if (!/^\d+$/.test(text)) throw new InvalidInputError(`--seed takes a whole number, not '${text}'`, { hint: 'copy the seed a failing run printed' });
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

function line(result: PropertyResult): string {
  const verdict = result.failure ? `FAILED at "${result.failure.failedStep}"` : 'held';
  return `${result.property}: ${verdict} — ${result.runs} runs, ${result.steps} steps, ${Math.round(result.durationMs / 1000)} s (seed ${result.seed})`;
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
      const budgetMs = parseBudget(flags.budget);
      const seed = parseSeed(flags.seed);
      const properties = selectProperties(flags.property);
      const started = Date.now();
      console.log(`fuzz: seed ${seed}, budget ${Math.round(budgetMs / 1000)} s, ${properties.length} properties on ${flags.members} members (${flags.topology})`);
      const drill = await Drill.start({ name: `fuzz-${seed % 100_000}`, topology: flags.topology as 'cluster' | 'lb', members: Number(flags.members) });
      let failed = false;
      try {
        for (const [index, property] of properties.entries()) {
          // Each property gets an equal share of what is left.
          const timeLimitMs = Math.max(0, (budgetMs - (Date.now() - started)) / (properties.length - index));
          const result = await drill.check(property, {
            seed,
            timeLimitMs,
            onProgress: (p) => process.stderr.write(`\r${p.property}: ${p.runs} runs, ${p.steps} steps, ${Math.round(p.elapsedMs / 1000)} s elapsed   `),
          });
          process.stderr.write('\n');
          console.log(line(result));
          if (result.failure) {
            failed = true;
            const dir = resolve(flags.out);
            await mkdir(dir, { recursive: true });
            const file = join(dir, `fuzz-${property.name}-${seed}.yaml`);
            await writeFile(file, drill.scenarioFor(result.failure));
            console.log(`  shrunk to ${result.failure.commands}`);
            console.log(`  ${result.failure.error}`);
            console.log(`  scenario: ${file}  — replay it: etcd-drill run ${file} --seed ${seed}`);
            console.log(`  replay the search: etcd-drill fuzz --property ${property.name} --seed ${seed}`);
          }
        }
      } finally {
        await drill.stop();
      }
      console.log(failed ? `fuzz: a property failed (seed ${seed})` : `fuzz: every property held (seed ${seed}, ${Math.round((Date.now() - started) / 1000)} s)`);
      if (failed) process.exitCode = 1;
    });
}
