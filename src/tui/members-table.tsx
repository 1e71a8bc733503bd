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

interface Column {
  header: string;
  width: number;
}

export function MembersTable({ members, selected }: { members: readonly MemberSample[]; selected: string | undefined }) {
  if (members.length === 0) return <Text dimColor>waiting for the first sample of the members…</Text>;
  const nameWidth = Math.max(4, ...members.map((m) => m.name.length)) + 2;
  const columns: Column[] = [
    { header: '', width: 2 },
    { header: 'NAME', width: nameWidth },
    { header: 'ROLE', width: 10 },
    { header: 'HEALTH', width: 11 },
    { header: 'TERM', width: 7 },
    { header: 'INDEX', width: 10 },
    { header: 'DB SIZE', width: 10 },
    { header: 'CPU', width: 8 },
    { header: 'MEMORY', width: 10 },
    { header: 'FAULTS', width: 0 },
  ];
  const cell = (index: number, content: ReactNode) => {
    const width = (columns[index] as Column).width;
    return (
      <Box key={index} width={width || undefined} flexShrink={0}>
        {content}
      </Box>
    );
  };
  return (
    <Box flexDirection="column">
      <Box>{columns.map((column, i) => cell(i, <Text bold>{column.header}</Text>))}</Box>
      {members.map((member) => {
        const health = healthOf(member);
        const isSelected = member.name === selected;
        return (
          <Box key={member.name}>
            {cell(0, <Text color="cyan">{isSelected ? '▶' : ' '}</Text>)}
            {cell(1, <Text bold={isSelected}>{member.name}</Text>)}
            {cell(
              2,
              member.role === 'leader' ? (
                <Text color="green" bold>
                  leader
                </Text>
              ) : (
                <Text dimColor={member.role === 'unknown'}>{member.role === 'unknown' ? '-' : member.role}</Text>
              ),
            )}
            {cell(3, <Text color={healthColours[health]}>{health}</Text>)}
            {cell(4, <Text>{orDash(member.raftTerm)}</Text>)}
            {cell(5, <Text>{orDash(member.raftIndex)}</Text>)}
            {cell(6, <Text>{formatBytes(member.dbSizeBytes)}</Text>)}
            {cell(7, <Text>{orDash(member.cpuPercent, (cpu) => `${cpu.toFixed(1)}%`)}</Text>)}
            {cell(8, <Text>{formatBytes(member.memoryBytes)}</Text>)}
            {cell(9, <Text color="yellow">{member.faults.join(', ')}</Text>)}
          </Box>
        );
      })}
    </Box>
  );
}
