import { Box, Text } from 'ink';
import { wrapWords } from './layout.js';

const answer = 'press y to confirm, any other key to cancel';
/** The border and the padding inside it. */
const frame = 4;

/** The warning in full, broken between words to fit inside the border: it is what the trainer must read before pressing y. */
export function confirmPromptLines(label: string, warning: string, width: number): string[] {
  return wrapWords(`${label}: ${warning}`, Math.max(1, width - frame));
}

export const confirmPromptHeight = (label: string, warning: string, width: number): number => confirmPromptLines(label, warning, width).length + 3;

export function ConfirmPrompt({ label, warning, width }: { label: string; warning: string; width: number }) {
  return (
    <Box flexDirection="column" borderStyle="round" borderColor="yellow" paddingX={1} flexShrink={0}>
      {confirmPromptLines(label, warning, width).map((line, i) => (
        <Text key={i} color="yellow" bold wrap="truncate-end">
          {line}
        </Text>
      ))}
      <Text wrap="truncate-end">{answer}</Text>
    </Box>
  );
}
