import { InvalidArgumentError, type Command } from 'commander';
import { EventBus } from '../../events.js';
import { printProgress } from '../../event-lines.js';
import type { Cluster } from '../../topology/cluster.js';
import { statusTable } from '../format.js';

/**
 * What several commands share. A command's file defines its flags and loads what its action needs
 * when it runs (`await import`): `etcd-drill --help` or a refused flag never loads Docker, etcd's
 * client or the UI.
 */
export const DEFAULT_CLUSTER = 'drill';

export function wholeNumber(flag: string) {
  return (value: string): number => {
    if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`${flag} takes a whole number, not '${value}'`);
    return Number(value);
  };
}

export function positiveNumber(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${flag} takes a number greater than 0, not '${value}'`);
    return n;
  };
}

/** Events printed as progress lines on stderr, as `up`, `fault` and `heal` show them. */
export function progressBus(): EventBus {
  const events = new EventBus();
  events.subscribe(printProgress);
  return events;
}

export async function printStatus(cluster: Cluster, json: boolean): Promise<void> {
  const statuses = await cluster.status();
  if (json) {
    process.stdout.write(`${JSON.stringify({ cluster: cluster.name, topology: cluster.spec.topology, endpoints: cluster.endpoints, members: statuses.map((s) => ({ ...s, id: cluster.member(s.name).id })) }, null, 2)}\n`);
    return;
  }
  const ids = Object.fromEntries(cluster.members.map((m) => [m.name, m.id]));
  const lb = cluster.loadBalancerEndpoint ? `  load balancer: ${cluster.loadBalancerEndpoint}\n` : '';
  process.stdout.write(`cluster '${cluster.name}' (${cluster.spec.topology}, ${cluster.spec.tls ? 'TLS' : 'plain HTTP'}, etcd ${cluster.image.version})\n${lb}${statusTable(statuses, ids)}\n`);
}

/** A command made on its own takes its parent's settings (errors as exceptions, one line, help after an error), down to its subcommands. */
export function inheriting(command: Command, parent: Command): Command {
  command.copyInheritedSettings(parent);
  for (const sub of command.commands) inheriting(sub, command);
  return command;
}
