import fc from 'fast-check';
import type { Step } from '../types.js';
import type { Drill } from './drill.js';
import { type ClusterModel, type DrillFault, type Role } from './model.js';

/**
 * fast-check commands over the fault and runbook registries. Each `check` asks the model whether
 * the command makes sense now; each `run` carries out scenario steps (the same ones the written
 * scenario file will hold), whose conditions assert that etcd agrees with the model, then tells
 * the model what happened.
 */
export type DrillCommand = fc.AsyncCommand<ClusterModel, Drill>;

/** `values` as a scenario spells them: null for absent. */
function allowedValues(model: ClusterModel, key: string): (string | null)[] {
  return model.candidates(key).map((v) => v ?? null);
}

function expectKeys(model: ClusterModel): Step[] {
  return model.keys.map((key) => ({ kind: 'expect', condition: 'key-holds', args: { key, values: allowedValues(model, key) } }));
}

/**
 * After a heal, a replace or a restore: the members the model counts are healthy (`count`, or all
 * of them), and when every member is in, they hold the same data.
 */
async function expectSettled(model: ClusterModel, drill: Drill, count?: number): Promise<void> {
  await drill.perform({ kind: 'wait-for', condition: 'members-healthy', args: count === undefined ? {} : { count } });
  if (count === undefined || count === model.members.length) await drill.perform({ kind: 'check', check: 'converged' });
}

/** Property 1: with quorum a put is acknowledged within the condition's bound (twice the leader-election time); without, nobody acknowledges it. */
export class PutCommand implements DrillCommand {
  constructor(readonly keyIndex: number) {}
  check = (): boolean => true;
  async run(model: ClusterModel, drill: Drill): Promise<void> {
    const key = model.keys[this.keyIndex % model.keys.length] as string;
    const value = model.nextValue();
    const quorum = model.quorumHolds();
    // Acknowledged within a bound is waited for; refused is judged on the first answer (`expect` means now).
    await drill.perform(quorum ? { kind: 'wait-for', condition: 'put', args: { key, value } } : { kind: 'expect', condition: 'put', args: { key, value, outcome: 'refused' } });
    model.recordWrite(key, value, quorum ? await drill.revisionOf(key, value) : undefined);
  }
  toString = (): string => `put(k${this.keyIndex})`;
}

/** Property 2: a linearizable read finds the last acknowledged value (or one a refused write may have left). */
export class GetCommand implements DrillCommand {
  constructor(readonly keyIndex: number) {}
  check = (model: Readonly<ClusterModel>): boolean => model.quorumHolds();
  async run(model: ClusterModel, drill: Drill): Promise<void> {
    const key = model.keys[this.keyIndex % model.keys.length] as string;
    await drill.perform({ kind: 'expect', condition: 'key-holds', args: { key, values: allowedValues(model, key) } });
  }
  toString = (): string => `get(k${this.keyIndex})`;
}

export class FaultCommand implements DrillCommand {
  constructor(
    readonly fault: DrillFault,
    readonly role: Role,
  ) {}
  check = (model: Readonly<ClusterModel>): boolean => model.canFault(this.fault, this.role);
  async run(model: ClusterModel, drill: Drill): Promise<void> {
    // Right after an election the leader may not be known yet: wait, as an operator targeting it would.
    if (this.role === 'leader') await drill.perform({ kind: 'wait-for', condition: 'quorum-leader', args: {} });
    const label = drill.nextFaultLabel();
    await drill.perform({ kind: 'fault', fault: this.fault, target: this.role, options: {}, as: label });
    for (const member of await drill.membersHitBy(label)) model.recordFault(this.fault, member);
  }
  toString = (): string => `${this.fault}(${this.role})`;
}

/** Property 3: after heal the members converge — one leader, same hashkv at the same revision, the model's member set. */
export class HealCommand implements DrillCommand {
  check = (model: Readonly<ClusterModel>): boolean => model.healable.length > 0;
  async run(model: ClusterModel, drill: Drill): Promise<void> {
    await drill.perform({ kind: 'heal', heal: 'all' });
    model.healAll();
    // A destroyed member stays out until replaced: only the rest can be healthy, and data is compared once all are in.
    await expectSettled(model, drill, model.membersIn('destroyed').length > 0 ? model.upCount : undefined);
    drill.expectMembership(model);
  }
  toString = (): string => 'heal';
}

export class WaitForLeaderCommand implements DrillCommand {
  check = (model: Readonly<ClusterModel>): boolean => model.quorumHolds();
  async run(_model: ClusterModel, drill: Drill): Promise<void> {
    await drill.perform({ kind: 'wait-for', condition: 'quorum-leader', args: {} });
  }
  toString = (): string => 'wait-for-leader';
}

/** Property 4: replace-member from a state with quorum ends with N healthy, converged members. */
export class ReplaceCommand implements DrillCommand {
  check = (model: Readonly<ClusterModel>): boolean => model.canReplace();
  async run(model: ClusterModel, drill: Drill): Promise<void> {
    const failed = model.membersIn('destroyed');
    await drill.perform({ kind: 'runbook', runbook: 'replace-member', options: {} });
    for (const name of failed) model.recordReplacement(name, model.replacementName());
    await expectSettled(model, drill, model.members.length);
    drill.expectMembership(model);
  }
  toString = (): string => 'replace-member';
}

/** A snapshot, or an encrypted backup proven to be ciphertext on disk (backup-encrypted); restore uses the latest either way. */
export class SnapshotCommand implements DrillCommand {
  constructor(readonly runbook: 'snapshot' | 'encrypted-backup') {}
  check = (model: Readonly<ClusterModel>): boolean => model.canSnapshot();
  async run(model: ClusterModel, drill: Drill): Promise<void> {
    await drill.perform({ kind: 'runbook', runbook: this.runbook, options: {} });
    if (this.runbook === 'encrypted-backup') await drill.perform({ kind: 'check', check: 'backup-encrypted' });
    model.recordSnapshot(drill.lastSnapshotRevision());
  }
  toString = (): string => this.runbook;
}

/** Properties 2 and 5: after a restore every member holds exactly the snapshot's key/values. */
export class RestoreCommand implements DrillCommand {
  check = (model: Readonly<ClusterModel>): boolean => model.canRestore();
  async run(model: ClusterModel, drill: Drill): Promise<void> {
    const faultsInForce = model.healable.length + model.membersIn('destroyed').length > 0;
    await drill.perform({ kind: 'runbook', runbook: 'restore', options: {} });
    // The restored members run in new containers: the faults recorded against the old ones are moot.
    if (faultsInForce) await drill.perform({ kind: 'heal', heal: 'all' });
    await drill.perform({ kind: 'check', check: 'restore-new-cluster' });
    model.recordRestore();
    await expectSettled(model, drill);
    for (const step of expectKeys(model)) await drill.perform(step);
  }
  toString = (): string => 'restore';
}

export interface DrillProperty {
  name: string;
  summary: string;
  /** Weighted: faults come often enough that quorum is lost, and a put meets it, within a few runs. */
  commands: fc.WeightedArbitrary<DrillCommand>[];
  /** The command (as counted: `replace-member`, `restore`…) whose completions show the property was exercised at all. */
  characteristic: string;
  /** Commands in one run at most, when not MAX_COMMANDS. */
  maxCommands?: number;
}

/** The keys the drills write; few, so that gets and restores meet earlier writes. */
export const DRILL_KEYS = ['/fuzz/k0', '/fuzz/k1'];

const key = fc.nat({ max: DRILL_KEYS.length - 1 });
const put = key.map((i) => new PutCommand(i));
const get = key.map((i) => new GetCommand(i));
const faults = (...kinds: DrillFault[]) =>
  fc.tuple(fc.constantFrom(...kinds), fc.constantFrom<Role>('leader', 'follower')).map(([fault, role]) => new FaultCommand(fault, role));
const heal = fc.constant(new HealCommand());
const waitForLeader = fc.constant(new WaitForLeaderCommand());
const replace = fc.constant(new ReplaceCommand());
const snapshot = fc.constantFrom<SnapshotCommand['runbook']>('snapshot', 'encrypted-backup').map((runbook) => new SnapshotCommand(runbook));
const restore = fc.constant(new RestoreCommand());

const often = <T>(arbitrary: fc.Arbitrary<T>) => ({ arbitrary, weight: 3 });
const sometimes = <T>(arbitrary: fc.Arbitrary<T>) => ({ arbitrary, weight: 1 });

export const PROPERTIES: readonly DrillProperty[] = [
  {
    name: 'quorum-writes',
    summary: 'with quorum writes succeed within the bound; without it none is acknowledged',
    commands: [often(put), sometimes(get), often(faults('kill', 'pause', 'isolate', 'slow-disk')), sometimes(heal), sometimes(waitForLeader)],
    characteristic: 'put',
  },
  {
    name: 'durability',
    summary: 'no acknowledged write is lost while quorum held; a restore loses exactly the writes after the snapshot',
    commands: [often(put), sometimes(get), sometimes(faults('kill', 'pause')), sometimes(heal), sometimes(snapshot), sometimes(restore)],
    characteristic: 'put',
  },
  { name: 'convergence', summary: 'after heal the members converge: one leader, same hashkv at the same revision, the model’s members', commands: [sometimes(put), often(faults('kill', 'pause', 'isolate', 'slow-disk')), often(heal)], characteristic: 'heal' },
  {
    name: 'replace',
    summary: 'replace-member from any state with quorum ends with N healthy members',
    commands: [sometimes(put), often(faults('destroy')), sometimes(faults('kill')), often(replace), sometimes(heal), sometimes(get)],
    characteristic: 'replace-member',
    // A replacement needs a destroy before it, and a run ending with a member destroyed costs a new
    // cluster: longer runs reach replace-member twice as often for each run's set-up (about 13 s
    // of drill time a replacement instead of 19, by the model alone).
    maxCommands: 10,
  },
  { name: 'snapshot-restore', summary: 'snapshot then restore gives exactly the key/values at the snapshot’s revision', commands: [often(put), sometimes(get), often(snapshot), often(restore), sometimes(faults('kill'))], characteristic: 'restore' },
];

/** Commands in one run at most: enough for a fault, its consequence and a heal or runbook; shrinking cuts it down. */
export const MAX_COMMANDS = 6;

export function lookupProperty(name: string): DrillProperty | undefined {
  return PROPERTIES.find((p) => p.name === name);
}
