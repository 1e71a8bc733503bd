import { Box, Text } from 'ink';
import type { TrainerAction } from '../scenarios/trainer-actions.js';
import { packLines } from './layout.js';

const navigation = ['↑↓ select', '? help', 'q quit'];

/** The keys, as many a line as fit in `width`: a narrow terminal breaks between keys, never inside a label. */
export function helpBarLines(actions: readonly TrainerAction[], width: number): string[] {
  return packLines([...actions.map((a) => `${a.key} ${a.label}`), ...navigation], width, ' · ');
}

export function HelpBar({ actions, width }: { actions: readonly TrainerAction[]; width: number }) {
  return (
    <Box flexDirection="column" flexShrink={0}>
      {helpBarLines(actions, width).map((line) => (
        <Text key={line} dimColor wrap="truncate-end">
          {line}
        </Text>
      ))}
    </Box>
  );
}

/** A border, a title, a line a key and three for the keys every face has. */
export const helpPanelHeight = (actions: readonly TrainerAction[]): number => actions.length + 6;

export function HelpPanel({ actions }: { actions: readonly TrainerAction[] }) {
  return (
    <Box flexDirection="column" borderStyle="round" paddingX={1} flexShrink={0}>
      <Text bold>keys</Text>
      {actions.map((a) => (
        <Text key={a.id} wrap="truncate-end">
          <Text bold>{a.key.padEnd(6)}</Text>
          {a.label}
          {a.usesSelection ? <Text dimColor> (acts on the member selected with ↑ ↓)</Text> : null}
        </Text>
      ))}
      <Text wrap="truncate-end">
        <Text bold>{'↑ ↓'.padEnd(6)}</Text>select a member
      </Text>
      <Text wrap="truncate-end">
        <Text bold>{'?'.padEnd(6)}</Text>show or hide this help
      </Text>
      <Text wrap="truncate-end">
        <Text bold>{'q'.padEnd(6)}</Text>quit, healing and removing what this session started (Ctrl-C too)
      </Text>
    </Box>
  );
}
