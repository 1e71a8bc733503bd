import { execFile, type ChildProcess } from 'node:child_process';
import { mkdtemp, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startCluster } from '../../src/index.js';
import { labelKeys } from '../../src/topology/plan.js';
import { waitFor } from '../../src/wait.js';
import { cli, expectClusterGone, runtime } from './helpers.js';

const run = promisify(execFile);

describe('etcd-drill up / status / env / down, as a new user types them', () => {
  it('starts a detached cluster, shows it, points etcdctl at it, and removes it', async () => {
    const up = await cli(['up', '--name', 'it-cli', '--topology', 'single']);
    // A detached cluster outlives the test that failed half way: remove it whatever happens.
    onTestFinished(async () => void (await cli(['down', 'it-cli'])));
    expect(up.code, up.stderr).toBe(0);
    expect(up.stderr).toMatch(/cluster 'it-cli' ready in/);
    expect(up.stdout).toMatch(/IS LEADER/);

    const status = await cli(['status', 'it-cli', '--json']);
    expect(status.code, status.stderr).toBe(0);
    const parsed = JSON.parse(status.stdout) as { members: { name: string; healthy: boolean; isLeader: boolean }[] };
    expect(parsed.members).toEqual([expect.objectContaining({ name: 'member1', healthy: true, isLeader: true })]);

    const env = await cli(['env', 'it-cli']);
    expect(env.code, env.stderr).toBe(0);
    expect(env.stdout).toMatch(/^export ETCDCTL_API='3'$/m);
    expect(env.stdout).toMatch(/^# kube-apiserver --etcd-servers=https:\/\/127\.0\.0\.1:\d+ --etcd-cafile=\S+ca\.crt --etcd-certfile=\S+k8sclient\.crt --etcd-keyfile=\S+k8sclient\.key$/m);
    expect(env.stdout).toMatch(/^export ENDPOINT='https:\/\/127\.0\.0\.1:\d+'$/m);
    expect(env.stdout).toMatch(/^unset ETCDCTL_ENDPOINTS$/m);
    // The seed's own lines, unchanged, from the host through the exported environment.
    const seed = 'cd "$(mktemp -d)" && ETCDCTL_API=3 etcdctl --endpoints $ENDPOINT snapshot save snapshotdb >/dev/null && ETCDCTL_API=3 etcdctl --write-out=table snapshot status snapshotdb';
    expect((await run('bash', ['-c', `${env.stdout}\n${seed}`])).stdout).toMatch(/\| *HASH *\| *REVISION *\| *TOTAL KEYS *\| *TOTAL SIZE *\|/);
    const explicit = 'etcdctl --endpoints=$ENDPOINT --cacert=$CACERT --cert=$CERT --key=$KEY put /registry/from-host yes';
    expect((await run('bash', ['-c', `${(await cli(['env', 'it-cli', '--etcdctl', 'none'])).stdout}\n${explicit}`])).stdout.trim()).toBe('OK');
    // A bare etcdctl, when the endpoints are exported too.
    const all = await cli(['env', 'it-cli', '--etcdctl', 'all']);
    const { stdout } = await run('bash', ['-c', `${all.stdout}\netcdctl get --print-value-only /registry/from-host`]);
    expect(stdout.trim()).toBe('yes');

    const down = await cli(['down', 'it-cli']);
    expect(down.code, down.stderr).toBe(0);
    await expectClusterGone('it-cli');
  });

  it.each([
    [['up', '--topology', 'ring'], /--topology.*ring.*single, cluster, lb/],
    [['up', '--members', '4'], /--members: 4 members: even sizes add no fault tolerance.*--allow-even/],
    [['up', '--members', 'five'], /--members takes a whole number, not 'five'/],
    [['up', '--heartbeat-interval', '500', '--election-timeout', '1000'], /--election-timeout: must be at least 5 × the heartbeat interval/],
    [['up', '--topology', 'single', '--members', '3'], /--members: the single topology has exactly 1 member/],
  ])('refuses %j with one clear line and exit 2, starting nothing', async (args, message) => {
    const result = await cli([...args, '--name', 'it-bad']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split('\n').filter((l) => !l.startsWith('(run with --help')).length).toBe(1);
    await expectClusterGone('it-bad');
  });

  it('refuses a port that is already taken, and leaves nothing behind', async () => {
    const cluster = await startCluster({ name: 'it-port-holder', topology: 'single' });
    try {
      const taken = Number(new URL(cluster.members[0]!.endpoint).port);
      const result = await cli(['up', '--name', 'it-port', '--topology', 'single', '--base-port', String(taken)]);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(new RegExp(`port ${taken} on 127.0.0.1 is already in use`));
      await expectClusterGone('it-port');
    } finally {
      await cluster.stop();
    }
    await expectClusterGone('it-port-holder');
  });

  it('says which clusters exist when asked about one that does not', async () => {
    const result = await cli(['status', 'nope']);
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toMatch(/^etcd-drill: no cluster named 'nope' — /);
  });
});

describe('etcd-drill member verbs, from a shell after `eval "$(etcd-drill env)"`', () => {
  it('stop, start, kill, exec, cp and logs act on one member each, in one line, with the effect on etcd', async () => {
    const up = await cli(['up', '--name', 'it-verbs', '--members', '3']);
    onTestFinished(async () => {
      await cli(['down', 'it-verbs']);
      await expectClusterGone('it-verbs');
    });
    expect(up.code, up.stderr).toBe(0);
    const env = { ETCD_DRILL_CLUSTER: 'it-verbs' };
    const verb = async (...args: string[]) => {
      const result = await cli(['member', ...args], { env });
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0);
      return result.stdout;
    };
    const healthy = async () => {
      const { members } = JSON.parse((await cli(['status', 'it-verbs', '--json'])).stdout) as { members: { name: string; healthy: boolean }[] };
      return members.filter((m) => m.healthy).map((m) => m.name);
    };

    // Members advertise addresses the host reaches too: the seed's `--cluster` lines work from a shell.
    const envLines = (await cli(['env', 'it-verbs'])).stdout;
    const health = await run('bash', ['-c', `${envLines}\netcdctl --endpoints $ENDPOINT endpoint health --cluster 2>&1`]);
    expect(health.stdout.trim().split('\n')).toEqual(Array.from({ length: 3 }, () => expect.stringMatching(/^https:\/\/\d+\.\d+\.\d+\.\d+:2379 is healthy/)));

    expect(await verb('stop', 'member2')).toBe('stopped member2 (its data dir is kept)\n');
    expect(await healthy()).toEqual(['member1', 'member3']);
    // Stopped, its data dir is still there for etcd's tools, as on the member's host.
    const status = JSON.parse(await verb('exec', 'member2', '--', 'etcdctl', 'snapshot', 'status', '/var/lib/etcd/member/snap/db', '-w', 'json')) as { revision: number };
    expect(status.revision).toBeGreaterThan(0);
    expect(await verb('start', 'member2')).toMatch(/^started member2 on its data dir: it serves on https:\/\/127\.0\.0\.1:\d+\n$/);
    expect(await healthy()).toEqual(['member1', 'member2', 'member3']);

    expect(await verb('kill', 'member3')).toBe('killed member3 (SIGKILL; its data dir is kept)\n');
    expect(await healthy()).toEqual(['member1', 'member2']);
    expect(await verb('logs', 'member3')).toMatch(/became (leader|follower) at term/);
    expect(await verb('start', 'member3')).toMatch(/^started member3 on its data dir/);

    // A snapshot taken with the seed's line goes into the shared snapshot folder and back out.
    const dir = await mkdtemp(join(tmpdir(), 'it-verbs-'));
    await run('bash', ['-c', `${envLines}\ncd ${dir} && etcdctl --endpoints $ENDPOINT snapshot save snapshotdb`]);
    expect(await verb('cp', join(dir, 'snapshotdb'), 'member1:/var/lib/etcd-snapshots/')).toMatch(/^copied \S+snapshotdb \(\d+ kB\) to member1:\/var\/lib\/etcd-snapshots\/snapshotdb\n$/);
    expect(await verb('exec', 'member3', '--', 'etcdctl', 'snapshot', 'status', '/var/lib/etcd-snapshots/snapshotdb', '-w', 'table')).toMatch(/TOTAL KEYS/);
    expect(await verb('cp', 'member3:/var/lib/etcd-snapshots/snapshotdb', join(dir, 'back'))).toMatch(/^copied member3:/);
    expect((await stat(join(dir, 'back'))).size).toBe((await stat(join(dir, 'snapshotdb'))).size);

    for (const [args, message] of [
      [['exec', 'member1', '--', 'ls'], /member exec runs one of etcdctl, etcdutl, etcd, not 'ls'/],
      [['start', 'member9'], /member9 is not a member of 'it-verbs' yet: give --initial-cluster/],
      [['stop', 'member7'], /cluster 'it-verbs' has no member 'member7' — members: member1, member2, member3/],
      [['start', 'member1', '--data-dir', '/var/lib/etcd/x'], /member1 is running: etcd reads its flags at start — `etcd-drill member stop member1` first/],
    ] as const) {
      const refused = await cli(['member', ...args], { env });
      expect(refused.code).toBe(1);
      expect(refused.stderr.trim().split('\n')).toEqual([expect.stringMatching(message)]);
    }
  });
});

describe('teardown when interrupted', () => {
  it('removes everything when `up --foreground` gets SIGINT in the middle of booting', async () => {
    let interrupted = false;
    const result = await cli(['up', '--foreground', '--name', 'it-sigint', '--members', '3'], {
      onStderr: (text, child) => {
        if (!interrupted && /member2: container started/.test(text)) {
          interrupted = true;
          child.kill('SIGINT');
        }
      },
    });
    expect(interrupted, result.stderr).toBe(true);
    expect(result.code).toBe(130);
    await expectClusterGone('it-sigint');
  });

  it('removes a foreground cluster on SIGTERM once it is up', async () => {
    let terminated = false;
    const result = await cli(['up', '--foreground', '--name', 'it-sigterm', '--topology', 'single'], {
      onStderr: (text, child) => {
        if (!terminated && /Ctrl-C removes the cluster/.test(text)) {
          terminated = true;
          child.kill('SIGTERM');
        }
      },
    });
    expect(terminated, result.stderr).toBe(true);
    expect(result.code).toBe(143);
    await expectClusterGone('it-sigterm');
  });

  it('sweeps the objects of a process that was SIGKILLed, at the next start', async () => {
    let killed = false;
    await cli(['up', '--foreground', '--name', 'it-orphan', '--topology', 'single'], {
      onStderr: (text, child) => {
        if (!killed && /Ctrl-C removes the cluster/.test(text)) {
          killed = true;
          child.kill('SIGKILL');
        }
      },
    });
    expect(killed).toBe(true);
    const left = await runtime.findByLabels({ [labelKeys.cluster]: 'it-orphan' });
    expect(left.containers).toHaveLength(1);

    const next = await startCluster({ name: 'it-after-orphan', topology: 'single' });
    await next.stop();
    await expectClusterGone('it-orphan');
    await expectClusterGone('it-after-orphan');
  });
});

describe('etcd-drill fault / heal / watch across processes', () => {
  it('injects from one process, watches from another, heals with --all from a third', async () => {
    const up = await cli(['up', '--name', 'it-cli-faults', '--members', '3']);
    expect(up.code, up.stderr).toBe(0);
    try {
      const seen: string[] = [];
      let watchChild: ChildProcess | undefined;
      const watching = cli(['watch', '--cluster', 'it-cli-faults', '--json', '--rate', '10'], {
        onStdout: (text, child) => {
          watchChild = child;
          seen.splice(0, seen.length, ...text.trim().split('\n'));
        },
      });
      const events = () => seen.filter(Boolean).map((line) => JSON.parse(line) as { type: string; kind?: string; to?: string });
      await waitFor(async () => (events().some((e) => e.type === 'workload.started') ? true : undefined), { timeoutMs: 20_000, intervalMs: 100, description: 'the watch to start' });

      const fault = await cli(['fault', 'kill', '--target', 'leader', '--cluster', 'it-cli-faults']);
      expect(fault.code, fault.stderr).toBe(0);
      expect(fault.stdout.trim()).toMatch(/^kill-[0-9a-f]{6}$/);
      const refused = await cli(['fault', 'pause', '--target', 'member:member9', '--cluster', 'it-cli-faults']);
      expect(refused.code).toBe(2);
      expect(refused.stderr.trim()).toMatch(/^etcd-drill: no member named 'member9' — members: member1, member2, member3$/);

      await waitFor(async () => (events().some((e) => e.type === 'fault.injected' && e.kind === 'kill') && events().some((e) => e.type === 'leader.changed' && e.to) ? true : undefined), {
        timeoutMs: 20_000,
        intervalMs: 100,
        description: 'the watch to see the fault and a new leader',
      });
      const heal = await cli(['heal', '--all', '--cluster', 'it-cli-faults']);
      expect(heal.code, heal.stderr).toBe(0);
      expect(heal.stderr).toMatch(/healed kill/);
      await waitFor(async () => (events().some((e) => e.type === 'fault.healed') ? true : undefined), { timeoutMs: 10_000, intervalMs: 100, description: 'the watch to see the heal' });
      watchChild?.kill('SIGINT');
      expect((await watching).code).toBe(0);
    } finally {
      await cli(['down', 'it-cli-faults']);
    }
    await expectClusterGone('it-cli-faults');
  });
});

describe('etcd-drill list / run refuse nothing valid and start nothing invalid', () => {
  it('lists every shipped scenario with its one-line description', async () => {
    const result = await cli(['list']);
    expect(result.code, result.stderr).toBe(0);
    for (const name of ['quorum-loss-and-restore', 'replace-failed-member', 'leader-loss', 'minority-partition', 'cpu-starved-leader', 'nospace-alarm', 'backup-and-verify', 'load-balancer-member-loss', 'tls-refusals']) {
      expect(result.stdout).toContain(name);
    }
  });

  it('refuses a malformed scenario set before starting any cluster, one line per problem', async () => {
    const dir = 'test/fixtures/scenarios/broken';
    const result = await cli(['run', `${dir}/unknown-fault-typo.yaml`, `${dir}/negative-timeout.yaml`, 'scenarios/leader-loss.yaml']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(new RegExp(`${dir}/unknown-fault-typo\\.yaml:\\d+: steps\\.\\d+\\.fault: unknown fault 'kil'.*did you mean 'kill'\\?`));
    expect(result.stderr).toMatch(new RegExp(`${dir}/negative-timeout\\.yaml:\\d+: steps\\.\\d+\\.timeout: `));
    expect(result.stderr).not.toMatch(/starting cluster/);
  });
});
