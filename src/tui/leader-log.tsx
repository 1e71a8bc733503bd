import { Box, Text } from 'ink';
import { clockTime } from '../event-lines.js';
import type { LeaderChange } from './model.js';

export function leaderChangeText(change: LeaderChange): string {
  if (!change.to) return `no leader${change.from ? ` (was ${change.from})` : ''}`;
  const election = change.electionMs === undefined ? '' : `, election took ${(change.electionMs / 1000).toFixed(2)} s`;
  return `${change.to} leads (term ${change.term ?? '?'})${election}`;
}

/** The newest few changes; the event log keeps the rest. */
export function LeaderLog({ changes, shown = 5 }: { changes: readonly LeaderChange[]; shown?: number }) {
  if (changes.length === 0) return null;
  return (
    <Box flexDirection="column">
      <Text bold>leaders</Text>
      {changes.slice(-shown).map((change, i) => (
        <Text key={i} color={change.to ? undefined : 'red'} wrap="truncate-end">
          <Text dimColor>{clockTime(change.at)} </Text>
          {leaderChangeText(change)}
        </Text>
      ))}
    </Box>
  );
}
