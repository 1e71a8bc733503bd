import { Box, Text } from 'ink';

export function ConfirmPrompt({ label, warning }: { label: string; warning: string }) {
  return (
    <Box flexDirection="column" borderStyle="round" borderColor="yellow" paddingX={1}>
      <Text color="yellow" bold>
        {label}: {warning}
      </Text>
      <Text>press y to confirm, any other key to cancel</Text>
    </Box>
  );
}
