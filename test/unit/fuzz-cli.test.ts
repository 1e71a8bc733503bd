import { describe, expect, it } from 'vitest';
import { parseBudget, progressPrinter } from '../../src/cli/fuzz.js';

describe('fuzz --budget', () => {
  it('reads durations in ms, s, m and h', () => {
    expect(parseBudget('90s')).toBe(90_000);
    expect(parseBudget('10m')).toBe(600_000);
    expect(parseBudget('1h')).toBe(3_600_000);
    expect(parseBudget('20000')).toBe(20_000);
  });

  it('refuses what is not a duration, or too short for the properties, saying what to give', () => {
    expect(() => parseBudget('ten minutes')).toThrow(/not a duration/);
    expect(() => parseBudget('30s', 5)).toThrow(/too short for 5 properties/);
  });
});

describe('fuzz progress', () => {
  const progress = (elapsedMs: number) => ({ property: 'durability', runs: 3, steps: 12, elapsedMs });

  it('rewrites one line on a terminal and ends it with a newline', () => {
    const written: string[] = [];
    const printer = progressPrinter({ isTTY: true, write: (text) => written.push(text) });
    printer.show(progress(1_000));
    printer.show(progress(2_000));
    printer.end();
    expect(written).toEqual(['\rdurability: 3 runs, 12 steps, 1 s elapsed   ', '\rdurability: 3 runs, 12 steps, 2 s elapsed   ', '\n']);
  });

  it('writes a log a timestamped line at most every 15 s, never a carriage return', () => {
    const written: string[] = [];
    let clock = Date.UTC(2026, 10, 25, 12, 0, 0);
    const printer = progressPrinter({ write: (text) => written.push(text) }, () => clock);
    for (let second = 1; second <= 40; second += 1) {
      clock += 1_000;
      printer.show(progress(second * 1_000));
    }
    printer.end();
    expect(written).toEqual(['2026-11-25T12:00:15.000Z durability: 3 runs, 12 steps, 15 s elapsed\n', '2026-11-25T12:00:30.000Z durability: 3 runs, 12 steps, 30 s elapsed\n']);
  });
});

describe('fuzz statistics: which commands a property ran', () => {
  it('names each command without the key it chose, and keeps a fault with its target whole', async () => {
    const { commandNames } = await import('../../src/scenarios/fuzz/drill.js');
    expect(commandNames('put(k0),kill(leader),get(k2),put(k1),heal')).toEqual(['put', 'kill(leader)', 'get', 'put', 'heal']);
    expect(commandNames('')).toEqual([]);
    expect(commandNames('put(k0),heal /*replayPath="EAM:F"*/')).toEqual(['put', 'heal']);
  });

  it('prints them most run first, and says none when nothing ran', async () => {
    const { describeCommands } = await import('../../src/cli/fuzz.js');
    expect(describeCommands({ heal: 3, put: 41, 'kill(leader)': 12 })).toBe('put 41, kill(leader) 12, heal 3');
    expect(describeCommands({})).toBe('none');
  });
});
