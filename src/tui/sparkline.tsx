import { Box, Text } from 'ink';
import type { WorkloadPoint } from './model.js';

const bars = '▁▂▃▄▅▆▇█';

/**
 * The last `width` values as bars from ▁ (zero) to █ (`max`, by default the largest value shown);
 * a gap in the data (undefined) is a space, so "no writes finished" does not read as "zero".
 */
export function sparkline(values: readonly (number | undefined)[], width: number, max?: number): string {
  const shown = values.slice(-width);
  const top = max ?? Math.max(0, ...shown.filter((v): v is number => v !== undefined));
  return shown
    .map((value) => {
      if (value === undefined) return ' ';
      const level = top > 0 ? Math.round((Math.min(value, top) / top) * (bars.length - 1)) : 0;
      return bars[Math.max(0, level)];
    })
    .join('');
}

export function formatMs(ms: number | undefined): string {
  if (ms === undefined) return '-';
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  return `${ms.toFixed(ms < 10 ? 1 : 0)} ms`;
}

function availabilityColour(availability: number | undefined): string | undefined {
  if (availability === undefined) return undefined;
  if (availability >= 0.999) return 'green';
  return availability > 0 ? 'yellow' : 'red';
}

const labelWidth = 14;
const valueWidth = 10;

/** Availability and put latency of the API servers' writes, one sample a column, newest on the right. */
export function WorkloadSparklines({ points, width: columns }: { points: readonly WorkloadPoint[]; width: number }) {
  // The bars never push the value past the edge; on a very narrow terminal the line is cut instead.
  const width = Math.max(10, columns - labelWidth - valueWidth - 2);
  const latest = points.at(-1);
  const p99s = points.map((p) => p.p99Ms);
  // p50 and p99 share a scale, so the gap between the two lines means something.
  const latencyTop = Math.max(0, ...p99s.slice(-width).filter((v): v is number => v !== undefined));
  const rows: { label: string; bars: string; value: string; colour: string | undefined }[] = [
    {
      label: 'availability',
      bars: sparkline(
        points.map((p) => p.availability),
        width,
        1,
      ),
      value: latest?.availability === undefined ? '-' : `${(latest.availability * 100).toFixed(0)}%`,
      colour: availabilityColour(latest?.availability),
    },
    { label: 'put p50', bars: sparkline(points.map((p) => p.p50Ms), width, latencyTop), value: formatMs(latest?.p50Ms), colour: undefined },
    { label: 'put p99', bars: sparkline(p99s, width, latencyTop), value: formatMs(latest?.p99Ms), colour: undefined },
  ];
  return (
    <Box flexDirection="column">
      {rows.map((row) => (
        <Text key={row.label} wrap="truncate-end">
          {row.label.padEnd(labelWidth)}
          <Text color={row.colour}>{row.bars}</Text> {row.value}
        </Text>
      ))}
    </Box>
  );
}
