import { describe, expect, it } from 'vitest';
import { exceededBounds, type DefragOutcome } from '../../src/scenarios/runbooks/defrag.js';
import { writeImpact } from '../../src/workload/samples.js';
import { applied, compareFailed, draft, historyOf, unanswered } from '../support/kv-history.js';

describe('writeImpact', () => {
  it('counts the writes of the window, their p99 and the longest stretch without an acknowledgement', () => {
    const { operations } = historyOf([
      draft.create('/k1', '1', [1_000, 1_010], applied(2)),
      draft.update('/k1', '2', 2, [1_100, 1_700], applied(3)),
      draft.update('/k1', '3', 2, [1_200, 1_250], compareFailed('2', 3, 3)),
      draft.create('/k2', '4', [1_300, 3_300], unanswered),
      draft.get('/k1', '2', 3, 3, [1_800, 1_810]),
      draft.create('/k3', '5', [5_000, 5_010], applied(4)),
    ]);
    expect(writeImpact(operations, 1_000, 2_000)).toEqual({ acknowledged: 2, failed: 1, p99Ms: 600, longestGapMs: 690 });
    // The gap runs to the window's end when the last acknowledgement came early.
    expect(writeImpact(operations, 1_000, 4_000).longestGapMs).toBe(2_300);
  });

  it('sees no write in an empty window, and says the whole window went unacknowledged', () => {
    expect(writeImpact([], 1_000, 2_500)).toEqual({ acknowledged: 0, failed: 0, p99Ms: undefined, longestGapMs: 1_500 });
  });
});

describe('defrag bounds', () => {
  const outcome = (extra: Partial<DefragOutcome>): DefragOutcome => ({
    strategy: 'move-leader',
    order: ['member1', 'member3', 'member2'],
    movedLeader: { from: 'member2', to: 'member1' },
    durationMs: 1_600,
    dbBytesBefore: 1,
    dbBytesAfter: 1,
    elections: 0,
    writes: { acknowledged: 36, failed: 0, p99Ms: 305, longestGapMs: 172 },
    ...extra,
  });

  it('fails each bound exceeded, with what was seen', () => {
    expect(exceededBounds(outcome({}), { elections: 0, writeP99Ms: 1_000, longestGapMs: 500 })).toEqual([]);
    expect(exceededBounds(outcome({ elections: 2, writes: { acknowledged: 3, failed: 4, p99Ms: 1_935, longestGapMs: 1_658 } }), { elections: 0, writeP99Ms: 1_000, longestGapMs: 500 })).toEqual([
      '2 elections (at most 0)',
      'write p99 1935 ms (at most 1000 ms)',
      'a 1658 ms gap between acknowledged writes (at most 500 ms)',
    ]);
  });

  it('cannot pass a write bound without writes to judge', () => {
    expect(exceededBounds(outcome({ writes: undefined }), { writeP99Ms: 1_000 })).toEqual(['no API servers ran: the write bounds cannot be judged']);
    expect(exceededBounds(outcome({ writes: { acknowledged: 0, failed: 9, p99Ms: undefined, longestGapMs: 1_600 } }), { writeP99Ms: 1_000 })).toEqual(['write p99 unknown (no write acknowledged) (at most 1000 ms)']);
  });
});
