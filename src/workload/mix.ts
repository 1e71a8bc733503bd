/**
 * What the API servers do, and where: the keys they write under, and their mix of calls tick by
 * tick. The Workload carries it out and records it.
 */

/** Everything the workload writes lives under here; the watch covers all of it. */
export const WORKLOAD_PREFIX = '/registry/drill/';
/** The objects it guards, reads and lists. */
export const OBJECTS_PREFIX = `${WORKLOAD_PREFIX}objects/`;
/** Events, attached to leases two at a time in one transaction, as the API server writes them. */
export const EVENTS_PREFIX = `${WORKLOAD_PREFIX}events/`;
/** An event's lease: it outlives a drill's short run, as an hour-long event TTL outlives a request. */
export const EVENT_TTL_SECONDS = 30;

export type Work = 'write' | 'get' | 'get-serializable' | 'range' | 'events' | 'list';
/** With preloaded state, one linearizable get in 40 ticks (under a second at the default rate) becomes a paginated list. */
export const LIST_EVERY_TICKS = 40;
export const LIST_PAGE = 500;

/** The end of the range of keys under `prefix`: its last byte plus one. */
export function prefixEnd(prefix: string): Buffer {
  const end = Buffer.from(prefix);
  end[end.length - 1] = (end[end.length - 1] as number) + 1;
  return end;
}

/**
 * The API server's mix over 20 ticks (0.4 s at the default rate): 8 guarded writes, 4
 * linearizable gets, 6 member-local reads (two or more a member, so each member's own order is
 * judged), a list of every object, and events on a lease.
 */
export function workFor(tick: number): Work {
  const phase = tick % 20;
  if (phase === 0) return 'events';
  if (phase === 10) return 'range';
  if (phase === 5 || phase === 15 || phase % 4 === 2) return 'get-serializable';
  return phase % 2 === 1 ? 'write' : 'get';
}
