import type { Etcd3, IWatchResponse, Watcher } from 'etcd3';
import type { WatchHistory } from './history.js';

/** A list at one revision, recorded by the workload as an operation (`listOp` is its id). */
export interface Listing {
  revision: number;
  listOp: number;
}

/**
 * An API server's informer on one prefix, recorded in full: list, watch from the list's revision
 * + 1, resume a broken stream from the last revision seen + 1 (set on the watcher before the
 * client re-attaches it: the client's own choice is the last response header's revision, which
 * skips events not yet delivered), and list again when etcd cancels the watch because its
 * revision was compacted.
 */
export class Informer {
  readonly history: WatchHistory;
  private watcher: Watcher | undefined;
  /** The last revision seen (an event's, or the list's it started after). */
  private watchedRevision = 0;
  private broken = false;

  constructor(
    prefix: string,
    /** Lists the prefix as the workload records it; undefined when the list failed. */
    private readonly list: () => Promise<Listing | undefined>,
    /** Whether the API servers still run: a failed list is retried, and a cancelled watch re-listed, only then. */
    private readonly running: () => boolean,
    private readonly retryMs: number,
  ) {
    this.history = { prefix, sessions: [], events: [] };
  }

  get eventCount(): number {
    return this.history.events.length;
  }

  /** A snapshot of what it recorded, safe to hand out while it goes on. */
  recorded(): WatchHistory {
    return { prefix: this.history.prefix, sessions: [...this.history.sessions], events: [...this.history.events] };
  }

  async start(client: Etcd3, reason: 'start' | 'relist' = 'start'): Promise<void> {
    const listed = await this.list();
    if (listed === undefined) {
      // No list, no watch: an informer retries.
      if (this.running()) setTimeout(() => (this.running() ? void this.start(client, reason) : undefined), this.retryMs);
      return;
    }
    this.watchedRevision = listed.revision;
    this.history.sessions.push({ at: Date.now(), reason, fromRevision: listed.revision + 1, listOp: listed.listOp });
    const watcher = client.watch().prefix(this.history.prefix).startRevision(String(listed.revision + 1)).watcher();
    this.watcher = watcher;
    watcher.on('data', (response: IWatchResponse) => this.record(response));
    watcher.on('disconnected', () => {
      this.broken = true;
      (watcher as unknown as { request: { start_revision: string } }).request.start_revision = String(this.watchedRevision + 1);
    });
    watcher.on('connected', () => {
      if (!this.broken) return;
      this.broken = false;
      this.history.sessions.push({ at: Date.now(), reason: 'resume', fromRevision: this.watchedRevision + 1 });
    });
    watcher.on('error', () => {
      // etcd cancelled the watch: its revision was compacted. Start over from a fresh list.
      if (this.watcher === watcher && this.running()) void this.start(client, 'relist');
    });
  }

  async stop(): Promise<void> {
    await this.watcher?.cancel().catch(() => undefined);
    this.watcher = undefined;
    this.history.sessions.push({ at: Date.now(), reason: 'stop', fromRevision: this.watchedRevision });
  }

  private record(response: IWatchResponse): void {
    const at = Date.now();
    for (const event of response.events) {
      const modRevision = Number(event.kv.mod_revision);
      const type = event.type.toLowerCase() === 'delete' ? 'delete' : 'put';
      this.history.events.push({ at, type, key: event.kv.key.toString(), value: type === 'put' ? event.kv.value.toString() : undefined, modRevision });
      this.watchedRevision = Math.max(this.watchedRevision, modRevision);
    }
  }
}
