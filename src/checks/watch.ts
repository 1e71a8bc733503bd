import { isIndeterminate, isWrite, writesOf, type Operation, type WatchEvent, type WatchHistory, type WatchSession } from '../workload/history.js';
import { defineCheck, evidenceOf, formatCount, verdictOf, type Evidence, type Verdict } from './verdict.js';

/**
 * The watch as an informer sees it, judged by etcd's watch guarantees: events arrive in revision
 * order, none twice, none missing in between, and a txn's events share its revision. Each epoch —
 * the sessions from a `start` to its `stop` — is judged on its own: a restore between epochs can
 * take revisions back.
 */
export const watchGuarantees = defineCheck({
  name: 'watch',
  description: 'watch events arrive in revision order, none twice, every acknowledged write under the prefix once with its value, a txn’s events at one revision',
  floors: { events: 20, writes: 20 },
  judge(history, floors) {
    const { watch } = history;
    const evidenceFor = (events: number, writes: number) =>
      evidenceOf(this, floors, [
        { floor: 'events', what: 'events in revision order', count: events },
        { floor: 'writes', what: 'acknowledged writes each seen once', count: writes },
      ]);
    if (watch === undefined) return noWatch(this.name, evidenceFor(0, 0));
    // Keyed by id or undefined, so a relist that recorded no list finds none.
    const operationsById = new Map<number | undefined, Operation>(history.operations.map((op) => [op.id, op]));
    const judged = judgeWatch(watch, history.operations, operationsById);
    // The informers on preloaded prefixes are judged by the same guarantees; the drill writes
    // nothing there, so any put they receive is a phantom.
    const informers = history.informers.map((informer) => ({ informer, ...judgeWatch(informer, history.operations, operationsById) }));
    const violations = [...judged.violations, ...informers.flatMap((i) => i.violations)];
    const summary = [sessionsSummary(watch, judged.epochs), ...(informers.length > 0 ? [informersSummary(informers, operationsById)] : [])].join('; ');
    return verdictOf(this.name, violations, evidenceFor(judged.events, judged.matchedWrites), summary);
  },
});

function judgeWatch(watch: WatchHistory, operations: Operation[], operationsById: Map<number | undefined, Operation>): { violations: string[]; events: number; matchedWrites: number; epochs: number } {
  const epochs = epochsOf(watch, operations);
  const result = { violations: [] as string[], events: 0, matchedWrites: 0, epochs: epochs.length };
  for (const epoch of epochs) {
    const judged = judgeEpoch(epoch, watch.prefix, operationsById);
    result.violations.push(...judged.violations);
    result.events += epoch.events.length;
    result.matchedWrites += judged.matchedWrites;
  }
  return result;
}

/**
 * "informers on 4 preloaded prefixes, 0 events; objects in each epoch's first lists: 2,520, then
 * 2,520": what readers of the control plane's objects saw before and after a restore. An informer
 * that never listed saw nothing, and is named.
 */
function informersSummary(informers: { informer: WatchHistory; events: number }[], operationsById: Map<number | undefined, Operation>): string {
  const starts = informers.map(({ informer }) => informer.sessions.filter((s) => s.reason === 'start'));
  const epochs = Math.max(...starts.map((s) => s.length));
  const listedPerEpoch = Array.from({ length: epochs }, (_, epoch) => starts.reduce((sum, s) => sum + (operationsById.get(s[epoch]?.listOp)?.listed ?? 0), 0));
  const events = informers.reduce((sum, i) => sum + i.events, 0);
  const never = informers.filter((_, i) => starts[i]?.length === 0).map(({ informer }) => informer.prefix);
  const head = `informers on ${informers.length} preloaded prefix${informers.length === 1 ? '' : 'es'}, ${formatCount(events)} event${events === 1 ? '' : 's'}`;
  const lists = epochs === 0 ? [] : [`objects in ${epochs === 1 ? 'their list' : "each epoch's first lists"}: ${listedPerEpoch.map(formatCount).join(', then ')}`];
  return [head, ...lists, ...(never.length > 0 ? [`never listed: ${never.join(', ')}`] : [])].join('; ');
}

/** Inconclusive whatever the floors: with no watch recorded there is nothing to vouch for. */
function noWatch(check: string, evidence: Evidence[]): Verdict {
  return { check, status: 'inconclusive', ok: false, message: 'inconclusive: the run recorded no watch (0 events)', details: [], evidence };
}

interface Epoch {
  start: WatchSession;
  relists: WatchSession[];
  /**
   * Events received and writes issued after this instant (ms) belong to this epoch until the next
   * one opens: the previous epoch's stop, else this start (the first epoch takes everything before).
   */
  opensAfter: number;
  events: WatchEvent[];
  /** Writes issued in the epoch that may have happened: acknowledged or indeterminate. */
  writes: Operation[];
}

/**
 * Splits the watch and the writes into epochs by time, not revision: after a restore the same
 * revision can name different writes in two epochs, and a write can only appear on the watch of
 * the cluster it was issued to.
 */
function epochsOf(watch: WatchHistory, operations: Operation[]): Epoch[] {
  const epochs: Epoch[] = [];
  let lastStop: number | undefined;
  for (const session of watch.sessions) {
    if (session.reason === 'start') {
      epochs.push({ start: session, relists: [], opensAfter: epochs.length === 0 ? -Infinity : (lastStop ?? session.at), events: [], writes: [] });
      lastStop = undefined;
    } else if (session.reason === 'stop') {
      lastStop = session.at;
    } else if (session.reason === 'relist') {
      epochs.at(-1)?.relists.push(session);
    }
  }
  for (const event of watch.events) epochAt(epochs, event.at)?.events.push(event);
  for (const op of operations) {
    if (isWrite(op) && (op.ok || isIndeterminate(op))) epochAt(epochs, op.start)?.writes.push(op);
  }
  return epochs;
}

function epochAt(epochs: Epoch[], at: number): Epoch | undefined {
  for (let i = epochs.length - 1; i >= 0; i--) {
    if (epochs[i]!.opensAfter < at) return epochs[i];
  }
  return undefined;
}

function judgeEpoch(epoch: Epoch, prefix: string, operationsById: Map<number | undefined, Operation>): { violations: string[]; matchedWrites: number } {
  const delivery = judgeDelivery(epoch, prefix, requiredRevisions(epoch, operationsById));
  return {
    violations: [...orderViolations(epoch.events), ...delivery.violations, ...unexplainedEventViolations(epoch, delivery.claimed)],
    matchedWrites: delivery.matchedWrites,
  };
}

/** Ordered: no event below one already received. Unique: no (key, revision, type) twice. */
function orderViolations(events: WatchEvent[]): string[] {
  const violations: string[] = [];
  const seen = new Set<string>();
  let highest: WatchEvent | undefined;
  for (const event of events) {
    const what = headline(event);
    if (highest !== undefined && event.modRevision < highest.modRevision) {
      violations.push(`${what} arrived after ${highest.key} at revision ${highest.modRevision}: out of revision order`);
    } else {
      highest = event;
    }
    const id = identity(event.key, event.modRevision, event.type);
    if (seen.has(id)) violations.push(`${what} arrived twice`);
    seen.add(id);
  }
  return violations;
}

/**
 * The revisions whose acknowledged writes the epoch must deliver: from the first revision the
 * watch asked for up to the highest it received (a write past that may still have been on its
 * way at stop), less what each relist excused — the compacted revisions the list showed as state.
 */
function requiredRevisions(epoch: Epoch, operationsById: Map<number | undefined, Operation>): (revision: number) => boolean {
  const from = epoch.start.fromRevision;
  const received = epoch.events.map((event) => event.modRevision);
  const highestReceived = received.reduce((highest, revision) => Math.max(highest, revision), from - 1);
  const excused = epoch.relists.map((relist) => {
    const list = operationsById.get(relist.listOp);
    const listRevision = list?.revision ?? relist.fromRevision - 1;
    // Events before the relist are at or below the list's revision and those after it above, so
    // the last event before the compaction is the highest at or below the list's revision.
    const lastBefore = received.reduce((last, revision) => (revision <= listRevision ? Math.max(last, revision) : last), from - 1);
    return { after: lastBefore, upTo: listRevision };
  });
  return (revision) => revision >= from && revision <= highestReceived && !excused.some((gap) => revision > gap.after && revision <= gap.upTo);
}

/**
 * Reliable and atomic: every acknowledged write in the required revisions arrives once per key it
 * writes under the prefix, at its revision, with its value. Returns the events it accounted for,
 * right or wrong, so they are not judged again as unexplained.
 */
function judgeDelivery(epoch: Epoch, prefix: string, isRequired: (revision: number) => boolean): { violations: string[]; matchedWrites: number; claimed: Set<WatchEvent> } {
  const eventsAt = new Map<string, WatchEvent[]>();
  for (const event of epoch.events) {
    const id = identity(event.key, event.modRevision);
    const sameKeyAndRevision = eventsAt.get(id);
    if (sameKeyAndRevision === undefined) eventsAt.set(id, [event]);
    else sameKeyAndRevision.push(event);
  }
  const violations: string[] = [];
  const claimed = new Set<WatchEvent>();
  let matchedWrites = 0;
  for (const op of epoch.writes) {
    const revision = op.revision;
    if (!op.ok || revision === undefined || !isRequired(revision)) continue;
    const writes = writesOf(op).filter((write) => write.key.startsWith(prefix));
    if (writes.length === 0) continue;
    const problems = writes.flatMap((write) => {
      const what = `${write.key}: acknowledged ${op.kind}${write.value === undefined ? '' : ` = ${write.value}`} at revision ${revision} (op ${op.id})`;
      const arrived = eventsAt.get(identity(write.key, revision)) ?? [];
      arrived.forEach((event) => claimed.add(event));
      const wrong = arrived.find((event) => !carries(event, write.value));
      if (wrong !== undefined) return [`${what} arrived as ${describeEvent(wrong)}`];
      if (arrived.length > 0) return [];
      const elsewhere = epoch.events.find((event) => event.key === write.key && event.type === 'put' && event.value === write.value);
      if (elsewhere === undefined) return [`${what} never arrived on the watch`];
      claimed.add(elsewhere);
      return [`${what} arrived at revision ${elsewhere.modRevision}${op.kind === 'txn' ? ': a txn’s events must all carry its revision' : ''}`];
    });
    violations.push(...problems);
    if (problems.length === 0) matchedWrites += 1;
  }
  return { violations, matchedWrites, claimed };
}

/**
 * Events no required write accounts for. One at an acknowledged write's revision must be that
 * write's (a revision is one operation's); otherwise a delete is legal (a lease expired) and a put
 * must carry a value some write of its key carried — acknowledged or indeterminate, since one that
 * arrives happened. Anything else is a phantom.
 */
function unexplainedEventViolations(epoch: Epoch, claimed: Set<WatchEvent>): string[] {
  // An acknowledged write with no revision recorded is filed under undefined, which no event's revision finds.
  const ackedAt = new Map(epoch.writes.flatMap((op) => (op.ok ? [[op.revision, op] as const] : [])));
  const written = new Set(epoch.writes.flatMap((op) => writesOf(op).map((write) => identity(write.key, write.value))));
  return epoch.events.flatMap((event) => {
    if (claimed.has(event)) return [];
    const what = headline(event);
    const owner = ackedAt.get(event.modRevision);
    if (owner !== undefined && !writesOf(owner).some((write) => write.key === event.key)) {
      return [`${what} shares its revision with op ${owner.id} (${owner.kind} of ${owner.key}), which did not write ${event.key}`];
    }
    if (event.type === 'put' && !written.has(identity(event.key, event.value))) {
      return [`${what} arrived on the watch, yet no write of ${event.key} carried that value: a phantom event`];
    }
    return [];
  });
}

/** Whether an event is the one a write of `value` (undefined: a delete) makes. */
function carries(event: WatchEvent, value: string | undefined): boolean {
  return event.type === (value === undefined ? 'delete' : 'put') && event.value === value;
}

/** "/registry/drill/3: put = 12 at revision 45": a violation names the key and revision first. */
function headline(event: WatchEvent): string {
  return `${event.key}: ${describeEvent(event)} at revision ${event.modRevision}`;
}

function describeEvent(event: WatchEvent): string {
  return event.type === 'put' ? `put = ${event.value}` : 'delete';
}

function identity(...parts: (string | number | undefined)[]): string {
  return JSON.stringify(parts);
}

/** "2 resumes, 1 relist", and the epochs when a restore made more than one. */
function sessionsSummary(watch: WatchHistory, epochCount: number): string {
  const counted = (n: number, noun: string) => `${formatCount(n)} ${noun}${n === 1 ? '' : 's'}`;
  const sessions = (reason: WatchSession['reason']) => watch.sessions.filter((session) => session.reason === reason).length;
  const parts = [counted(sessions('resume'), 'resume'), counted(sessions('relist'), 'relist')];
  if (epochCount > 1) parts.push(counted(epochCount, 'epoch'));
  return parts.join(', ');
}
