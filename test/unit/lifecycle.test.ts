import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { ownerIsGone, onInterrupt, processOwner } from '../../src/topology/lifecycle.js';
import { DETACHED_OWNER } from '../../src/topology/plan.js';

/** The pid of a process that has already exited and been reaped. */
function deadPid(): number {
  const result = spawnSync(process.execPath, ['-e', '']);
  expect(result.status).toBe(0);
  expect(result.pid).toBeGreaterThan(0);
  return result.pid;
}

describe('processOwner', () => {
  it('names this host and this process', () => {
    expect(processOwner()).toBe(`${hostname()}:${process.pid}`);
  });
});

describe('ownerIsGone', () => {
  it('says this process is not gone', () => {
    expect(ownerIsGone(processOwner())).toBe(false);
  });

  it('never judges detached objects gone', () => {
    expect(ownerIsGone(DETACHED_OWNER)).toBe(false);
    expect(ownerIsGone('detached')).toBe(false);
  });

  it('never judges objects without an owner gone', () => {
    expect(ownerIsGone(undefined)).toBe(false);
    expect(ownerIsGone('')).toBe(false);
  });

  it('leaves objects owned by another host alone, even with a pid that is dead here', () => {
    expect(ownerIsGone(`not-${hostname()}:${deadPid()}`)).toBe(false);
  });

  it('says a process on this host that has exited is gone', () => {
    expect(ownerIsGone(`${hostname()}:${deadPid()}`)).toBe(true);
  });

  it("says this host's parent process, which is alive, is not gone", () => {
    expect(ownerIsGone(`${hostname()}:${process.ppid}`)).toBe(false);
  });
});

describe('onInterrupt', () => {
  const releases: (() => void)[] = [];
  afterEach(() => {
    for (const release of releases.splice(0)) release();
  });
  const register = () => {
    const release = onInterrupt(async () => {});
    releases.push(release);
    return release;
  };

  it('listens for SIGINT and SIGTERM only while a clean-up is registered', () => {
    const sigint = process.listeners('SIGINT').length;
    const sigterm = process.listeners('SIGTERM').length;
    const release = register();
    expect(process.listeners('SIGINT').length).toBe(sigint + 1);
    expect(process.listeners('SIGTERM').length).toBe(sigterm + 1);
    release();
    expect(process.listeners('SIGINT').length).toBe(sigint);
    expect(process.listeners('SIGTERM').length).toBe(sigterm);
  });

  it('installs one listener however many clean-ups are registered, and keeps it until the last is released', () => {
    const sigint = process.listeners('SIGINT').length;
    const first = register();
    const second = register();
    expect(process.listeners('SIGINT').length).toBe(sigint + 1);
    first();
    expect(process.listeners('SIGINT').length).toBe(sigint + 1);
    second();
    expect(process.listeners('SIGINT').length).toBe(sigint);
  });

  it('tolerates a release being called twice', () => {
    const sigint = process.listeners('SIGINT').length;
    const release = register();
    const other = register();
    release();
    release();
    expect(process.listeners('SIGINT').length).toBe(sigint + 1);
    other();
    expect(process.listeners('SIGINT').length).toBe(sigint);
  });
});
