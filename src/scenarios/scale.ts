import { percentiles } from '../percentiles.js';
import type { EventBus } from '../events.js';
import { startCluster } from '../topology/cluster.js';

/**
 * §5 of the runbooks: scaling up adds resilience, costs write performance and adds no capacity.
 * Loads clusters of 1, 3, 5 and 7 members the same way, one after another, and prints the cost.
 */
export const SCALE_SIZES = [1, 3, 5, 7] as const;
const CONCURRENCY = 16;

export interface ScaleRow {
  members: number;
  p50Ms: number;
  p99Ms: number;
  putsPerSecond: number;
}

export async function measureScale(options: { seconds: number; events?: EventBus }): Promise<ScaleRow[]> {
  const rows: ScaleRow[] = [];
  for (const members of SCALE_SIZES) {
    const cluster = await startCluster({ name: `scale-${members}`, topology: members === 1 ? 'single' : 'cluster', members }, options.events ? { events: options.events } : {});
    try {
      const client = cluster.client();
      const latencies: number[] = [];
      const value = 'x'.repeat(256);
      const until = Date.now() + options.seconds * 1000;
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async (_, worker) => {
          for (let i = 0; Date.now() < until; i += 1) {
            const started = performance.now();
            await client.put(`/registry/scale/${worker}/${i % 100}`).value(value);
            latencies.push(performance.now() - started);
          }
        }),
      );
      const p = percentiles(latencies);
      rows.push({ members, p50Ms: p.p50 as number, p99Ms: p.p99 as number, putsPerSecond: latencies.length / options.seconds });
    } finally {
      await cluster.stop();
    }
  }
  return rows;
}

export function formatScale(rows: ScaleRow[], seconds: number): string {
  const base = rows[0];
  return [
    `put latency and throughput by cluster size (${CONCURRENCY} concurrent writers, ${seconds} s each, TLS)`,
    '',
    '| members | p50 | p99 | puts/s | puts/s vs 1 member |',
    '|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.members} | ${r.p50Ms.toFixed(1)} ms | ${r.p99Ms.toFixed(1)} ms | ${r.putsPerSecond.toFixed(0)} | ${base ? (r.putsPerSecond / base.putsPerSecond).toFixed(2) : '-'}× |`),
  ].join('\n');
}

export async function scaleTable(options: { seconds: number; events?: EventBus }): Promise<string> {
  return formatScale(await measureScale(options), options.seconds);
}
