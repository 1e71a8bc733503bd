import { Box, Text } from 'ink';
import type { ReactNode } from 'react';
import { formatBytes } from '../event-lines.js';
import type { MemberSample } from '../events.js';

type Health = 'healthy' | 'no leader' | 'down' | 'paused' | 'stopped';

const healthColours: Record<Health, string> = { healthy: 'green', 'no leader': 'yellow', down: 'red', paused: 'yellow', stopped: 'red' };

/** The container's state first: a paused or stopped member cannot answer, and saying why helps more than "down". */
export function healthOf(member: MemberSample): Health {
  if (member.container === 'paused') return 'paused';
  if (member.container === 'stopped' || member.container === 'missing') return 'stopped';
  if (!member.answered) return 'down';
  return member.healthy ? 'healthy' : 'no leader';
}

const orDash = (value: number | undefined, show: (n: number) => string = String) => (value === undefined ? '-' : show(value));

type ColumnKey = 'marker' | 'name' | 'role' | 'health' | 'term' | 'index' | 'db' | 'fsync' | 'commit' | 'elections' | 'cpu' | 'memory' | 'faults';

interface Column {
  key: ColumnKey;
  header: string;
  width: number;
}

/** Given up first to last as the terminal narrows; the marker, NAME and HEALTH always stay. */
const dropOrder: readonly ColumnKey[] = ['commit', 'elections', 'memory', 'fsync', 'cpu', 'db', 'term', 'index', 'role', 'faults'];
/** FAULTS takes what is left of the line, but is not worth showing in fewer cells than this. */
const faultsMinWidth = 12;

/**
 * The columns that fit in `width` cells: the least useful ones go first, so a narrow terminal loses
 * MEMORY and CPU rather than wrapping a row. FAULTS comes last and takes the rest of the line.
 */
export function tableColumns(members: readonly MemberSample[], width: number): Column[] {
  const nameWidth = Math.max(4, ...members.map((m) => m.name.length)) + 2;
  let columns: Column[] = [
    { key: 'marker', header: '', width: 2 },
    { key: 'name', header: 'NAME', width: nameWidth },
    { key: 'role', header: 'ROLE', width: 10 },
    { key: 'health', header: 'HEALTH', width: 11 },
    { key: 'term', header: 'TERM', width: 7 },
    { key: 'index', header: 'INDEX', width: 10 },
    { key: 'db', header: 'DB SIZE', width: 10 },
    { key: 'fsync', header: 'FSYNC p99', width: 11 },
    { key: 'commit', header: 'COMMIT p99', width: 12 },
    { key: 'elections', header: 'LDR CHG', width: 9 },
    { key: 'cpu', header: 'CPU', width: 8 },
    { key: 'memory', header: 'MEMORY', width: 10 },
    { key: 'faults', header: 'FAULTS', width: faultsMinWidth },
  ];
  const used = () => columns.reduce((sum, column) => sum + column.width, 0);
  for (const key of dropOrder) {
    if (used() <= width) break;
    columns = columns.filter((column) => column.key !== key);
  }
  const last = columns.at(-1) as Column;
  last.width = Math.max(1, last.width + width - used());
  return columns;
}

/** A latency from etcd's own metrics, red past its guidance. */
function SlowMs({ value, over }: { value: number | undefined; over: number }) {
  if (value === undefined) return <Text dimColor>-</Text>;
  return <Text color={value > over ? 'red' : undefined}>{value < 10 ? `${value.toFixed(1)} ms` : `${Math.round(value)} ms`}</Text>;
}

export function membersTableHeight(members: readonly MemberSample[]): number {
  return members.length === 0 ? 1 : members.length + 1;
}

/** One row a member, never wrapped: columns that do not fit are left out, and a cell too long for its column is cut short with "…". */
export function MembersTable({ members, selected, width }: { members: readonly MemberSample[]; selected: string | undefined; width: number }) {
  if (members.length === 0)
    return (
      <Text dimColor wrap="truncate-end">
        waiting for the first sample of the members…
      </Text>
    );
  const columns = tableColumns(members, width);
  const row = (cells: Partial<Record<ColumnKey, ReactNode>>) =>
    columns.map((column) => (
      <Box key={column.key} width={column.width} flexShrink={0}>
        <Text wrap="truncate-end">{cells[column.key]}</Text>
      </Box>
    ));
  const headers = Object.fromEntries(columns.map((column) => [column.key, <Text bold>{column.header}</Text>]));
  return (
    <Box flexDirection="column" flexShrink={0}>
      <Box>{row(headers)}</Box>
      {members.map((member) => {
        const health = healthOf(member);
        const isSelected = member.name === selected;
        return (
          <Box key={member.name}>
            {row({
              marker: <Text color="cyan">{isSelected ? '▶' : ' '}</Text>,
              name: <Text bold={isSelected}>{member.name}</Text>,
              role:
                member.role === 'leader' ? (
                  <Text color="green" bold>
                    leader
                  </Text>
                ) : (
                  <Text dimColor={member.role === 'unknown'}>{member.role === 'unknown' ? '-' : member.role}</Text>
                ),
              health: <Text color={healthColours[health]}>{health}</Text>,
              term: orDash(member.raftTerm),
              index: orDash(member.raftIndex),
              db: formatBytes(member.dbSizeBytes),
              // etcd's guidance: WAL fsync p99 under 10 ms, backend commit p99 under 25 ms.
              fsync: <SlowMs value={member.signals?.walFsyncP99Ms} over={10} />,
              commit: <SlowMs value={member.signals?.backendCommitP99Ms} over={25} />,
              elections: orDash(member.signals?.leaderChanges),
              cpu: orDash(member.cpuPercent, (cpu) => `${cpu.toFixed(1)}%`),
              memory: formatBytes(member.memoryBytes),
              faults: <Text color="yellow">{member.faults.join(', ')}</Text>,
            })}
          </Box>
        );
      })}
    </Box>
  );
}
