import { formatBytes } from '../event-lines.js';
import type { MemberStatus } from '../topology/cluster.js';

/** A table in the box style `etcdctl -w table` prints, so operators read it at a glance. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const rule = `+${widths.map((w) => '-'.repeat(w + 2)).join('+')}+`;
  const line = (cells: string[]) => `|${cells.map((c, i) => ` ${c.padStart(Math.floor(((widths[i] as number) + c.length) / 2)).padEnd(widths[i] as number)} `).join('|')}|`;
  return [rule, line(headers), rule, ...rows.map(line), rule].join('\n');
}

export function statusTable(statuses: MemberStatus[], ids: Record<string, string>): string {
  return table(
    ['NAME', 'ENDPOINT', 'ID', 'VERSION', 'DB SIZE', 'IS LEADER', 'RAFT TERM', 'RAFT INDEX', 'ERRORS'],
    statuses.map((s) => [
      s.name,
      s.endpoint,
      ids[s.name] ?? '-',
      s.version ?? '-',
      formatBytes(s.dbSizeBytes),
      s.healthy ? String(s.isLeader) : '-',
      s.raftTerm === undefined ? '-' : String(s.raftTerm),
      s.raftIndex === undefined ? '-' : String(s.raftIndex),
      s.error ?? '',
    ]),
  );
}
