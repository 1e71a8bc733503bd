import { Text } from 'ink';
import type { MemberSample } from '../events.js';
import { quorumLine, quorumState, type QuorumLine as QuorumLineText } from '../faults/quorum-view.js';

const colours: Record<QuorumLineText['level'], string> = { ok: 'green', warn: 'yellow', lost: 'red' };

export function QuorumLine({ members }: { members: readonly MemberSample[] }) {
  // With no sample yet there is no cluster size to count against.
  if (members.length === 0) return (
      <Text dimColor wrap="truncate-end">
        quorum: waiting for the first sample of the members…
      </Text>
    );
  const state = quorumState(members);
  const line = quorumLine(state);
  return (
    <Text color={colours[line.level]} bold={line.level === 'lost'} wrap="truncate-end">
      quorum: {line.text}
    </Text>
  );
}
