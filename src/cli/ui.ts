import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { InvalidInputError } from '../errors.js';
import { EventBus, type Timestamped } from '../events.js';
import { quorumLine, quorumState } from '../faults/quorum-view.js';
import { log, type LogSink } from '../log.js';
import { describeStep, runScenario } from '../scenarios/engine.js';
import { TrainerSession } from '../scenarios/trainer.js';
import type { StatePresetName } from '../workload/preload.js';
import type { Report, Scenario } from '../scenarios/types.js';
import { attachCluster, startCluster } from '../topology/cluster.js';
import { onInterrupt } from '../topology/lifecycle.js';
import { clockTime, printProgress, progressLine } from '../event-lines.js';

/** Ink and React load only where a terminal shows them: plain runs, CI and scripts never pay for them. */
function loadTui(): Promise<typeof import('../tui/render.js')> {
  return import('../tui/render.js');
}

export interface UiFlags {
  cluster?: string;
  name?: string;
  members?: number;
  seed?: number;
  state?: StatePresetName;
}

/** Set as Ink reads it: under CI Ink draws only the last frame, so a CI job with a terminal gets plain lines too. */
function inCi(env: NodeJS.ProcessEnv = process.env): boolean {
  return ['CI', 'CONTINUOUS_INTEGRATION'].some((key) => key in env && env[key] !== '0' && env[key] !== 'false');
}

/** The UI needs a terminal on both ends (keys in, frames out) and no CI. Anything else gets plain lines. */
export function interactiveTerminal(): boolean {
  return Boolean(process.stdout.isTTY && process.stdin.isTTY) && !inCi();
}

/**
 * Plain, timestamped lines for CI logs and pipes: every event's progress line, and the quorum
 * line whenever it changes (the samples themselves come every second and would drown the log).
 */
export function printPlainLines(events: EventBus, write: (line: string) => void = (line) => process.stdout.write(`${line}\n`)): () => void {
  let lastQuorum: string | undefined;
  return events.subscribe((event: Timestamped) => {
    if (event.type === 'members.sampled') {
      const state = quorumState(event.members);
      const line = quorumLine(state).text;
      if (line !== lastQuorum) write(`${clockTime(event.at, { milliseconds: true })} quorum: ${line}`);
      lastQuorum = line;
      return;
    }
    const line = progressLine(event);
    if (line) write(`${clockTime(event.at, { milliseconds: true })} ${line}`);
  });
}

/** While a face owns the terminal, logger lines go into the event stream instead of tearing its frame. */
export function routeLogTo(events: EventBus): () => void {
  const previous = log.sink;
  const sink: LogSink = (level, line) => events.emit({ type: 'log.line', level, line });
  log.sink = sink;
  return () => {
    log.sink = previous;
  };
}

/**
 * `etcd-drill ui`: a five-member TLS cluster of its own (or the running one `--cluster` names),
 * API servers writing to it, and the trainer's keys. `q` or Ctrl-C heals everything and removes
 * what the UI started. Without a terminal, plain lines out and action names in, one a line.
 */
export async function runUi(flags: UiFlags): Promise<void> {
  if (flags.cluster && (flags.name || flags.members)) {
    throw new InvalidInputError('--cluster attaches to a running cluster; --name and --members shape a new one: give one or the other', { hint: '`etcd-drill ui` alone starts a five-member cluster' });
  }
  const events = new EventBus();
  const stopPrinting = printPlainLines(events, (line) => log.info(line));
  const cluster = flags.cluster
    ? await attachCluster(flags.cluster, { events })
    : await startCluster({ name: flags.name ?? `ui-${randomBytes(3).toString('hex')}`, topology: 'cluster', members: flags.members ?? 5 }, { events });
  const session = await TrainerSession.start(cluster, { ownsCluster: !flags.cluster, seed: flags.seed, state: flags.state }).catch(async (err: unknown) => {
    if (!flags.cluster) await cluster.stop();
    throw err;
  });
  // A signal from outside (kill, a closed terminal) heals too; removal of an owned cluster is startCluster's own hook.
  const releaseInterrupt = onInterrupt(() => session.shutdown());
  try {
    if (interactiveTerminal()) {
      stopPrinting();
      await runInteractive(session, events, cluster.name);
    } else {
      await runPlain(session);
    }
  } finally {
    await session.shutdown();
    releaseInterrupt();
    stopPrinting();
  }
  log.info(flags.cluster ? `healed '${cluster.name}'; it is still running` : `removed cluster '${cluster.name}'`);
}

/**
 * Action names from stdin, one a line, each carried out before the next is read. A member name
 * after the action stands in for the arrow keys: `pause member3`.
 */
async function runPlain(session: TrainerSession): Promise<void> {
  const onMember = session.actions.filter((a) => a.usesSelection).map((a) => a.id);
  log.info(`actions, one a line on stdin: ${session.actions.map((a) => a.id).join(', ')}, quit (end of input quits too); ${onMember.join(', ')} take a member name after them, e.g. '${onMember[0]} member2'`);
  for await (const line of createInterface({ input: process.stdin })) {
    const [actionId, ...member] = line.trim().split(/\s+/);
    if (actionId === 'q' || actionId === 'quit') return;
    if (!actionId) continue;
    session.perform(actionId, member.length ? member.join(' ') : undefined);
    await session.idle();
  }
}

async function runInteractive(session: TrainerSession, events: EventBus, clusterName: string): Promise<void> {
  const restoreLog = routeLogTo(events);
  let quitting: Promise<void> | undefined;
  const { renderTui } = await loadTui();
  const ui = renderTui({
    events,
    control: session,
    cluster: clusterName,
    onQuit: () => {
      quitting ??= session.shutdown().finally(() => ui.unmount());
    },
  });
  try {
    await ui.waitUntilExit();
    await quitting;
  } finally {
    ui.unmount();
    restoreLog();
  }
}

/**
 * `etcd-drill run` for one scenario: on a terminal the scenario view and the dashboard (q or
 * Ctrl-C interrupts the run, which removes its cluster); elsewhere the plain progress lines.
 */
export async function runScenarioOnFace(scenario: Scenario, seed: number): Promise<Report> {
  const events = new EventBus();
  if (!interactiveTerminal()) {
    const stop = printPlainLines(events, (line) => log.info(line));
    try {
      return await runScenario(scenario, { seed, events });
    } finally {
      stop();
    }
  }
  const { renderTui } = await loadTui();
  const restoreLog = routeLogTo(events);
  const ui = renderTui({
    events,
    scenario: { name: scenario.name, steps: scenario.steps.map(describeStep) },
    exitAfterOutcome: true,
    onQuit: () => process.kill(process.pid, 'SIGINT'),
  });
  let report: Report | undefined;
  try {
    report = await runScenario(scenario, { seed, events, monitor: true });
    await ui.waitUntilExit();
    return report;
  } finally {
    ui.unmount();
    restoreLog();
    // The verdict also stays below the last frame, where the terminal's scrollback keeps it.
    const verdict = report?.timeline.find((e) => e.type === 'scenario.finished');
    if (verdict) printProgress(verdict);
  }
}
