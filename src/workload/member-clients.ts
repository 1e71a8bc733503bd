import type { Etcd3 } from 'etcd3';
import type { Cluster, MemberInfo } from '../topology/cluster.js';

/**
 * One client per member, each talking to that member alone with no retries, so a member that is
 * down fails its own calls and no one else's. Kept across calls; `drop` one after a failure so
 * the next call dials afresh (a restarted member answers on a new socket).
 */
export class MemberClients {
  private readonly clients = new Map<string, Etcd3>();

  constructor(private readonly cluster: Cluster) {}

  of(member: Pick<MemberInfo, 'name' | 'endpoint'>): Etcd3 {
    let client = this.clients.get(member.name);
    if (!client) {
      client = this.cluster.client({ hosts: [member.endpoint], faultHandling: 'none' });
      this.clients.set(member.name, client);
    }
    return client;
  }

  drop(name: string): void {
    this.clients.get(name)?.close();
    this.clients.delete(name);
  }

  closeAll(): void {
    for (const client of this.clients.values()) client.close();
    this.clients.clear();
  }
}
