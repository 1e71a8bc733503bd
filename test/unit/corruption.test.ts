import { describe, expect, it } from 'vitest';
import { flipInValue, flipInWritten } from '../../src/faults/corrupt.js';
import { Random } from '../../src/random.js';
import { corruptAlarmIds, oddOnesOut } from '../../src/topology/corruption.js';

describe('corrupt: which bits flip', () => {
  it('flips bits inside every copy of the probe value and nowhere else, the same bits for the same seed', () => {
    const value = Buffer.from('qwertyuiopasdfgh');
    const file = Buffer.concat([Buffer.alloc(100, 7), value, Buffer.alloc(50, 9), value, Buffer.alloc(30, 1)]);
    const before = Buffer.from(file);
    const flips = flipInValue(file, value, 3, new Random(42));
    expect(flips).toHaveLength(6);
    const changed = [...file.keys()].filter((i) => file[i] !== before[i]);
    expect(changed.every((i) => (i >= 100 && i < 116) || (i >= 166 && i < 182))).toBe(true);
    expect(file.subarray(100, 116).equals(value)).toBe(false);
    expect(file.subarray(166, 182).equals(value)).toBe(false);
    expect(flipInValue(Buffer.from(before), value, 3, new Random(42))).toEqual(flips);
    // Flipping again at the same places restores the bytes: the flips are recorded exactly.
    for (const f of flips) file[f.offset] = (file[f.offset] as number) ^ (1 << f.bit);
    expect(file.equals(before)).toBe(true);
  });

  it('finds nothing to flip when the value is not in the file', () => {
    expect(flipInValue(Buffer.alloc(64), Buffer.from('absent'), 1, new Random(1))).toEqual([]);
  });

  it('flips a WAL segment only in its written part, never the preallocated zeros after it', () => {
    const file = Buffer.concat([Buffer.alloc(200, 5), Buffer.alloc(1000, 0)]);
    const flips = flipInWritten(file, 8, new Random(3));
    expect(flips).toHaveLength(8);
    expect(flips.every((f) => f.offset < 200)).toBe(true);
    expect(flipInWritten(Buffer.alloc(100), 1, new Random(3))).toEqual([]);
  });
});

describe('corruption: how it is found', () => {
  it('reads the member IDs of CORRUPT alarms from `alarm list`, in hex, ignoring other alarms', () => {
    expect(corruptAlarmIds('memberID:10276657743932975437 alarm:CORRUPT\nmemberID:1 alarm:NOSPACE\n')).toEqual([BigInt('10276657743932975437').toString(16)]);
    expect(corruptAlarmIds('alarm:CORRUPT \n')).toEqual(['0']);
    expect(corruptAlarmIds('')).toEqual([]);
  });

  it('names the members whose hash differs from the majority, and nobody when no hash has one', () => {
    expect(oddOnesOut({ member1: 5, member2: 5, member3: 9 })).toEqual(['member3']);
    expect(oddOnesOut({ member1: 5, member2: 5, member3: 5 })).toEqual([]);
    expect(oddOnesOut({ member1: 5, member2: 6, member3: 7 })).toEqual([]);
    expect(oddOnesOut({ member1: 5, member2: 6 })).toEqual([]);
    expect(oddOnesOut({})).toEqual([]);
  });
});
