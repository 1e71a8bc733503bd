import { z } from 'zod';
import { InvalidInputError } from '../errors.js';
import { defineFault } from './fault.js';
import { isolate } from './network.js';
import { kill, stop } from './member-loss.js';
import { quorumBreakingCount } from './target.js';

/**
 * Quorum failure (§6.4 of the seed): a majority killed, stopped or cut off at once. Writes stop;
 * serializable reads from the survivors still answer.
 */
const ways = { kill, stop, isolate } as const;

export const quorumLoss = defineFault({
  kind: 'quorum-loss',
  summary: 'take a majority down at once (mode kill, stop or isolate): writes stop until it is back',
  defaultTarget: { kind: 'majority' },
  options: z.object({ mode: z.enum(['kill', 'stop', 'isolate']).default('kill') }).strict(),
  takesMembersDown: true,
  refuse: ({ cluster, members, views }) => {
    const size = cluster.members.length;
    if (size < 3) {
      throw new InvalidInputError(`a ${size}-member cluster has no quorum to lose but its only member`, { hint: 'use `kill` on it, or start a cluster of 3 or more' });
    }
    const downAfter = new Set([...views.filter((v) => !v.up).map((v) => v.name), ...members]);
    if (downAfter.size < quorumBreakingCount(size)) {
      throw new InvalidInputError(`taking down ${[...members].join(', ')} leaves quorum intact (${size - downAfter.size} of ${size} up)`, {
        hint: 'target majority (the default)',
      });
    }
  },
  inject: async (ctx, members, { mode }) => {
    const way = ways[mode];
    const injection = await way.inject(ctx, members, mode === 'isolate' ? { scope: 'peer' } : {});
    return { undo: { mode, ...injection.undo }, effect: `${members.length} of ${ctx.cluster.members.length} members ${mode === 'isolate' ? 'cut off' : mode === 'kill' ? 'killed' : 'stopped'}: quorum lost` };
  },
  heal: async (ctx, record) => ways[record.undo.mode as keyof typeof ways].heal(ctx, record),
});
