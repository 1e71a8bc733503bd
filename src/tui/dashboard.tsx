import { Box, Text } from 'ink';
import Spinner from 'ink-spinner';
import { LeaderLog } from './leader-log.js';
import { MembersTable } from './members-table.js';
import type { DashboardView } from './model.js';
import { QuorumLine } from './quorum-line.js';
import { WorkloadSparklines } from './sparkline.js';

function ActionLine({ view }: { view: DashboardView }) {
  if (view.action) {
    return (
      <Text>
        <Text color="cyan">
          <Spinner type="dots" />
        </Text>{' '}
        {view.action.label}…
      </Text>
    );
  }
  const result = view.lastResult;
  if (!result) return null;
  return (
    <Text color={result.ok ? 'green' : 'red'}>
      {result.ok ? '✔' : '✘'} {result.label}: {result.message} <Text dimColor>({(result.durationMs / 1000).toFixed(1)} s)</Text>
    </Text>
  );
}

/** The live cluster: members, quorum, the API servers' writes, leaders, faults and the action under way. */
export function Dashboard({ view, selected }: { view: DashboardView; selected: string | undefined }) {
  return (
    <Box flexDirection="column">
      <Text bold>
        etcd-drill{view.cluster ? <Text color="cyan"> · cluster {view.cluster}</Text> : null}
      </Text>
      <MembersTable members={view.members} selected={selected} />
      <QuorumLine members={view.members} />
      <WorkloadSparklines points={view.workload} />
      {view.faults.length > 0 ? (
        <Text color="yellow">faults in force: {view.faults.map((f) => `${f.kind} (${f.id}) on ${f.members.join(', ') || 'nobody'}`).join(' · ')}</Text>
      ) : (
        <Text dimColor>no faults in force</Text>
      )}
      <LeaderLog changes={view.leaderChanges} />
      <ActionLine view={view} />
    </Box>
  );
}
