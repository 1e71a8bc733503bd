import { Box, Text } from 'ink';
import Spinner from 'ink-spinner';
import { LeaderLog } from './leader-log.js';
import { MembersTable, membersTableHeight } from './members-table.js';
import type { DashboardView } from './model.js';
import { QuorumLine } from './quorum-line.js';
import { WorkloadSparklines } from './sparkline.js';

function ActionLine({ view }: { view: DashboardView }) {
  if (view.action) {
    return (
      <Text wrap="truncate-end">
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
    <Text color={result.ok ? 'green' : 'red'} wrap="truncate-end">
      {result.ok ? '✔' : '✘'} {result.label}: {result.message} <Text dimColor>({(result.durationMs / 1000).toFixed(1)} s)</Text>
    </Text>
  );
}

const hasActionLine = (view: DashboardView) => Boolean(view.action ?? view.lastResult);

/** Lines the dashboard takes whatever the terminal: all but the sparklines and the leader log. */
export function dashboardFixedHeight(view: DashboardView): number {
  return 1 + membersTableHeight(view.members) + 1 + 1 + (hasActionLine(view) ? 1 : 0);
}

/**
 * The live cluster: members, quorum, the API servers' writes, leaders, faults and the action under
 * way, each on lines of its own that never wrap; `sparklines` and `leaders` say what there is room for.
 */
export function Dashboard({ view, selected, width, sparklines, leaders }: { view: DashboardView; selected: string | undefined; width: number; sparklines: boolean; leaders: number }) {
  return (
    <Box flexDirection="column" flexShrink={0}>
      <Text bold wrap="truncate-end">
        etcd-drill{view.cluster ? <Text color="cyan"> · cluster {view.cluster}</Text> : null}
      </Text>
      <MembersTable members={view.members} selected={selected} width={width} />
      <QuorumLine members={view.members} />
      {sparklines ? <WorkloadSparklines points={view.workload} width={width} /> : null}
      {view.faults.length > 0 ? (
        <Text color="yellow" wrap="truncate-end">
          faults in force: {view.faults.map((f) => `${f.kind} (${f.id}) on ${f.members.join(', ') || 'nobody'}`).join(' · ')}
        </Text>
      ) : (
        <Text dimColor>no faults in force</Text>
      )}
      {leaders > 0 ? <LeaderLog changes={view.leaderChanges} shown={leaders} /> : null}
      {hasActionLine(view) ? <ActionLine view={view} /> : null}
    </Box>
  );
}
