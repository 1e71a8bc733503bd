import { describe, expect, it } from 'vitest';
import { describePreset, presetObjects, presetSummary, STATE_PRESET_NAMES, STATE_PRESETS } from '../../src/workload/preload.js';

describe('state presets', () => {
  it('hold a control plane’s keyspace: /registry/<resource>/<namespace>/<name>, each key once', () => {
    const keys = [...presetObjects(STATE_PRESETS.small)].map((o) => o.key);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys).toContain('/registry/pods/kube-system/pods-0');
    expect(keys).toContain('/registry/secrets/team-1/secrets-9');
    expect(keys).toContain('/registry/namespaces/team-13');
    expect(keys).toContain('/registry/minions/node-9');
    for (const key of keys) expect(key).toMatch(/^\/registry\/[a-z/]+\/[a-z0-9-]+(\/[a-z0-9-]+)?$/);
  });

  it('put events on leases, and nothing else', () => {
    const leased = [...presetObjects(STATE_PRESETS.small)].filter((o) => o.leased);
    expect(leased.length).toBeGreaterThan(0);
    expect(leased.every((o) => o.key.startsWith('/registry/events/'))).toBe(true);
  });

  it('grow tenfold and sixfold again: about 3.6, 36 and 213 MB of values', () => {
    const [small, medium, large] = STATE_PRESET_NAMES.map((n) => describePreset(STATE_PRESETS[n]));
    expect(small).toEqual({ objects: 2_026, valueBytes: 3_569_600 });
    expect(medium!.valueBytes).toBe(10 * small!.valueBytes);
    expect(large!.valueBytes / medium!.valueBytes).toBeCloseTo(6, 0);
    expect(presetSummary('medium')).toBe('20,260 objects, 34 MB of values');
  });
});
