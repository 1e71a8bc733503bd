import type { MemberStatus } from '../topology/cluster.js';

/** A table in the box style `etcdctl -w table` prints, so operators read it at a glance. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const rule = `+${widths.map((w) => '-'.repeat(w + 2)).join('+')}+`;
  const line = (cells: string[]) => `|${cells.map((c, i) => ` ${c.padStart(Math.floor(((widths[i] as number) + c.length) / 2)).padEnd(widths[i] as number)} `).join('|')}|`;
  return [rule, line(headers), rule, ...rows.map(line), rule].join('\n');
}

export function formatBytes(bytes: number | undefined): string {
  if (bytes === undefined) return '-';
  if (bytes < 1024) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB'];
  const shown = (v: number) => v.toFixed(v < 10 ? 1 : 0);
  let value = bytes / 1024;
  let unit = 0;
  // Compare what will be printed, so 1048575 B reads "1.0 MB", not "1024 kB".
  while (Number(shown(value)) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${shown(value)} ${units[unit]}`;
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
