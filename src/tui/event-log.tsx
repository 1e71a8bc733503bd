import { Box, Text } from 'ink';
import { clockTime } from '../event-lines.js';
import type { LogLevel, LogLine } from './model.js';

const colours: Record<LogLevel, string | undefined> = { info: undefined, ok: 'green', warn: 'yellow', error: 'red' };

/** The newest lines (a line's command output counting line by line) that fill `height` lines, oldest first. */
export function newestThatFit(lines: readonly LogLine[], height: number): LogLine[] {
  const shown: LogLine[] = [];
  let left = height;
  for (let i = lines.length - 1; i >= 0; i -= 1) {
    const line = lines[i] as LogLine;
    const needs = 1 + line.detail.length;
    if (needs > left) {
      // A command's output is cut from the bottom rather than hiding the command itself.
      if (left > 0) shown.unshift({ ...line, detail: line.detail.slice(0, left - 1) });
      break;
    }
    shown.unshift(line);
    left -= needs;
  }
  return shown;
}

/**
 * The event log: the newest lines that fit in the `height` lines the rest of the frame leaves,
 * each cut at the terminal's edge rather than wrapped. The bottom line is the newest.
 */
export function EventLog({ lines, height }: { lines: readonly LogLine[]; height: number }) {
  if (height <= 0) return null;
  return (
    <Box flexDirection="column" height={height} flexShrink={0} justifyContent="flex-end" overflow="hidden">
      {newestThatFit(lines, height).map((line) => {
        const clock = clockTime(line.at);
        return (
          <Box key={line.seq} flexDirection="column" flexShrink={0}>
            <Text wrap="truncate-end">
              <Text dimColor>{clock} </Text>
              <Text color={colours[line.level]}>{line.text}</Text>
            </Text>
            {line.detail.map((detail, i) => (
              <Text key={i} dimColor wrap="truncate-end">
                {' '.repeat(clock.length + 1)}
                {'    '}
                {detail}
              </Text>
            ))}
          </Box>
        );
      })}
    </Box>
  );
}
