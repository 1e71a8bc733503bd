import { z } from 'zod';
import { dataVolume } from '../topology/member-container.js';
import { STOP_GRACE_SECONDS } from '../topology/member-verbs.js';
import { InvalidInputError } from '../errors.js';
import type { MemberInfo } from '../topology/cluster.js';
import { defineFault, type FaultContext, type FaultRecord, type RefusalInput } from './fault.js';

/**
 * Member loss, the way it happens: a crash (kill), an orderly shutdown (stop), a frozen process
 * (pause: the slow-node case), a reboot (restart), and a machine gone for good with its disk
 * (destroy), which only the replace-member runbook recovers from.
 */


const noOptions = z.object({}).strict();

/** Member loss hits members that are up: pausing a stopped member, or killing a paused one, is refused. */
export function refuseUnlessUp({ members, views }: RefusalInput<Record<string, unknown>>, verb: string): void {
  for (const name of members) {
    const view = views.find((v) => v.name === name);
    if (!view?.up) throw new InvalidInputError(`cannot ${verb} ${name}: it is already down`, { hint: 'heal it first (`etcd-drill heal --all`), or pick a member that is up' });
  }
}

async function startAll(ctx: FaultContext, record: FaultRecord): Promise<undefined> {
  await Promise.all(record.members.map((name) => ctx.runtime.start(ctx.cluster.member(name).containerId)));
  return undefined;
}

async function eachMember(members: MemberInfo[], act: (m: MemberInfo) => Promise<void>): Promise<void> {
  await Promise.all(members.map(act));
}

export const kill = defineFault({
  kind: 'kill',
  summary: 'SIGKILL the member: a crash; heal starts it again with its data',
  defaultTarget: { kind: 'leader' },
  options: noOptions,
  takesMembersDown: true,
  refuse: (input) => refuseUnlessUp(input, 'kill'),
  inject: async (ctx, members) => {
    await eachMember(members, (m) => ctx.runtime.kill(m.containerId, 'SIGKILL'));
    return {};
  },
  heal: startAll,
});

export const stop = defineFault({
  kind: 'stop',
  summary: 'stop the member gracefully (SIGTERM); heal starts it again',
  defaultTarget: { kind: 'leader' },
  options: noOptions,
  takesMembersDown: true,
  refuse: (input) => refuseUnlessUp(input, 'stop'),
  inject: async (ctx, members) => {
    await eachMember(members, (m) => ctx.runtime.stop(m.containerId, STOP_GRACE_SECONDS));
    return {};
  },
  heal: startAll,
});

export const pause = defineFault({
  kind: 'pause',
  summary: 'freeze the member process (the slow-node case); heal thaws it',
  defaultTarget: { kind: 'follower' },
  options: noOptions,
  takesMembersDown: true,
  refuse: (input) => refuseUnlessUp(input, 'pause'),
  inject: async (ctx, members) => {
    await eachMember(members, (m) => ctx.runtime.pause(m.containerId));
    return {};
  },
  heal: async (ctx, record) => {
    await Promise.all(
      record.members.map(async (name) => {
        const { containerId } = ctx.cluster.member(name);
        if ((await ctx.runtime.inspect(containerId)).paused) await ctx.runtime.unpause(containerId);
      }),
    );
    return undefined;
  },
});

export const restart = defineFault({
  kind: 'restart',
  summary: 'stop and start the member at once (a reboot); nothing to heal',
  defaultTarget: { kind: 'leader' },
  options: noOptions,
  takesMembersDown: false,
  instant: true,
  refuse: (input) => refuseUnlessUp(input, 'restart'),
  inject: async (ctx, members) => {
    await eachMember(members, async (m) => {
      await ctx.runtime.stop(m.containerId, STOP_GRACE_SECONDS);
      await ctx.runtime.start(m.containerId);
    });
    return {};
  },
  heal: async () => undefined,
});

export const destroy = defineFault({
  kind: 'destroy',
  summary: 'remove the member container and its data: failed for good; only replace-member brings it back',
  defaultTarget: { kind: 'follower' },
  options: noOptions,
  takesMembersDown: true,
  refuse: (input) => refuseUnlessUp(input, 'destroy'),
  inject: async (ctx, members) => {
    await ctx.runtime.remove({
      containers: members.map((m) => ({ id: m.containerId, name: m.containerName, labels: {}, state: 'running' })),
      networks: [],
      volumes: members.map((m) => ({ name: dataVolume(ctx.cluster.name, m.name), labels: {} })),
    });
    return { effect: `${members.map((m) => m.name).join(', ')} and ${members.length === 1 ? 'its' : 'their'} data are gone` };
  },
  heal: async (_ctx, record) => `${record.members.join(', ')} cannot come back: replace ${record.members.length === 1 ? 'it' : 'them'} with the replace-member runbook`,
});
