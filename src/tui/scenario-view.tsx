import { Box, Text } from 'ink';
import Spinner from 'ink-spinner';
import { useEffect, useState } from 'react';
import { recoveryFigures } from '../event-lines.js';
import { windowAround } from './layout.js';
import type { CheckVerdict, RecoveryMetrics, ScenarioProgress, StepProgress } from './model.js';

const seconds = (ms: number) => `${(Math.max(0, ms) / 1000).toFixed(0)} s`;

/** The wall clock, re-read every `periodMs` while `ticking`, so elapsed times move between events. */
function useNow(periodMs: number, ticking: boolean): number {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    if (!ticking) return undefined;
    const timer = setInterval(() => setNow(Date.now()), periodMs);
    return () => clearInterval(timer);
  }, [periodMs, ticking]);
  return now;
}

function StepLine({ step, index, now }: { step: StepProgress; index: number; now: number }) {
  const name = `${index + 1}. ${step.name}`;
  switch (step.state) {
    case 'pending':
      return <Text dimColor wrap="truncate-end">{`  ${name}`}</Text>;
    case 'running':
      return (
        <Text wrap="truncate-end">
          <Text color="cyan">
            <Spinner type="dots" />
          </Text>{' '}
          {name} <Text dimColor>({seconds(now - (step.startedAt ?? now))})</Text>
        </Text>
      );
    case 'passed':
      return (
        <Text wrap="truncate-end">
          <Text color="green">✔ {name}</Text>
          {step.message ? <Text dimColor> — {step.message}</Text> : null}
        </Text>
      );
    case 'failed':
      return (
        <Text color="red" wrap="truncate-end">
          ✘ {name}
          {step.message ? ` — ${step.message}` : ''}
        </Text>
      );
    case 'skipped':
      return (
        <Text dimColor wrap="truncate-end">
          – {name} (skipped{step.message ? `: ${step.message}` : ''})
        </Text>
      );
  }
}

/** Lines the scenario view takes besides its steps: the title, the checks and the blank line below. */
export function scenarioFixedHeight(checks: readonly CheckVerdict[]): number {
  return 2 + (checks.length > 0 ? checks.length + 1 : 0);
}

/** The step under way, else the first still to come, else the last: what a window of the steps is kept around. */
function focusOf(steps: readonly StepProgress[]): number {
  const running = steps.findIndex((s) => s.state === 'running');
  if (running !== -1) return running;
  const pending = steps.findIndex((s) => s.state === 'pending');
  return pending === -1 ? steps.length - 1 : pending;
}

const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

/** The run's title, its steps (`stepLines` of them: a window around the one under way when they do not all fit), and the checks' verdicts. */
export function ScenarioView({ scenario, checks, recovery, stepLines = Infinity }: { scenario: ScenarioProgress; checks: readonly CheckVerdict[]; recovery: RecoveryMetrics | undefined; stepLines?: number }) {
  const now = useNow(1000, scenario.outcome === undefined);
  const elapsedMs = scenario.outcome?.durationMs ?? (scenario.startedAt === undefined ? 0 : now - scenario.startedAt);
  const figures = recoveryFigures(recovery?.rtoMs, recovery?.rpoWrites);
  const shown = windowAround(scenario.steps.length, focusOf(scenario.steps), stepLines);
  return (
    <Box flexDirection="column" marginBottom={1} flexShrink={0}>
      <Text wrap="truncate-end">
        <Text bold>scenario {scenario.name}</Text> <Text dimColor>{seconds(elapsedMs)}</Text>
        {scenario.outcome ? <Text color={scenario.outcome.passed ? 'green' : 'red'}>{scenario.outcome.passed ? ' ✔ PASSED' : ' ✘ FAILED'}</Text> : null}
        {figures ? <Text bold>{figures}</Text> : null}
      </Text>
      {shown.before ? <Text dimColor>{`  … ${plural(shown.start, 'earlier step')}`}</Text> : null}
      {scenario.steps.slice(shown.start, shown.end).map((step, i) => (
        <StepLine key={shown.start + i} step={step} index={shown.start + i} now={now} />
      ))}
      {shown.after ? <Text dimColor>{`  … ${plural(scenario.steps.length - shown.end, 'more step')}`}</Text> : null}
      {checks.length > 0 ? (
        <Box flexDirection="column">
          <Text bold>checks</Text>
          {checks.map((verdict, i) => (
            <Text key={i} color={verdict.ok ? 'green' : 'red'} wrap="truncate-end">
              {verdict.ok ? '✔' : '✘'} {verdict.check} — {verdict.message}
            </Text>
          ))}
        </Box>
      ) : null}
    </Box>
  );
}
