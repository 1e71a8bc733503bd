import { Box, Static, Text } from 'ink';
import { useLayoutEffect, useRef } from 'react';
import { clockTime } from '../event-lines.js';
import type { LogLevel, LogLine } from './model.js';

const colours: Record<LogLevel, string | undefined> = { info: undefined, ok: 'green', warn: 'yellow', error: 'red' };

/**
 * Finished lines, printed once above the live area. Static remembers how many items it printed,
 * by position, while the model drops its oldest lines; so each batch of unprinted lines gets a
 * Static of its own (keyed by its first line) rather than the whole bounded log.
 */
export function EventLog({ lines }: { lines: readonly LogLine[] }) {
  const printedThrough = useRef(0);
  const unprinted = lines.filter((line) => line.seq > printedThrough.current);
  useLayoutEffect(() => {
    printedThrough.current = lines.at(-1)?.seq ?? printedThrough.current;
  }, [lines]);
  return (
    <Static key={unprinted[0]?.seq ?? 'idle'} items={unprinted}>
      {(line) => (
        <Box key={line.seq}>
          <Text dimColor>{clockTime(line.at)} </Text>
          <Box flexDirection="column">
            <Text color={colours[line.level]}>{line.text}</Text>
            {line.detail.map((detail, i) => (
              <Text key={i} dimColor>
                {'    '}
                {detail}
              </Text>
            ))}
          </Box>
        </Box>
      )}
    </Static>
  );
}
