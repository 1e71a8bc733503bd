import { Box, Text } from 'ink';
import type { TrainerAction } from '../scenarios/trainer-actions.js';

const navigation = '↑↓ select · ? help · q quit';

/** One line when it fits; on a narrow terminal it breaks between keys, never inside a label. */
export function HelpBar({ actions }: { actions: readonly TrainerAction[] }) {
  const keys = actions.map((a) => `${a.key} ${a.label} · `);
  return (
    <Box flexWrap="wrap">
      {keys.map((key) => (
        <Text key={key} dimColor>
          {key}
        </Text>
      ))}
      <Text dimColor>{navigation}</Text>
    </Box>
  );
}

export function HelpPanel({ actions }: { actions: readonly TrainerAction[] }) {
  return (
    <Box flexDirection="column" borderStyle="round" paddingX={1}>
      <Text bold>keys</Text>
      {actions.map((a) => (
        <Text key={a.id}>
          <Text bold>{a.key.padEnd(6)}</Text>
          {a.label}
          {a.usesSelection ? <Text dimColor> (acts on the member selected with ↑ ↓)</Text> : null}
        </Text>
      ))}
      <Text>
        <Text bold>{'↑ ↓'.padEnd(6)}</Text>select a member
      </Text>
      <Text>
        <Text bold>{'?'.padEnd(6)}</Text>show or hide this help
      </Text>
      <Text>
        <Text bold>{'q'.padEnd(6)}</Text>quit, healing and removing what this session started (Ctrl-C too)
      </Text>
    </Box>
  );
}
