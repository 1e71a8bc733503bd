import { Box, Text } from 'ink';
import Spinner from 'ink-spinner';
import { useEffect, useState } from 'react';
import { recoveryFigures } from '../event-lines.js';
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
      return <Text dimColor>{`  ${name}`}</Text>;
    case 'running':
      return (
        <Text>
          <Text color="cyan">
            <Spinner type="dots" />
          </Text>{' '}
          {name} <Text dimColor>({seconds(now - (step.startedAt ?? now))})</Text>
        </Text>
      );
    case 'passed':
      return (
        <Text>
          <Text color="green">✔ {name}</Text>
          {step.message ? <Text dimColor> — {step.message}</Text> : null}
        </Text>
      );
    case 'failed':
      return (
        <Text color="red">
          ✘ {name}
          {step.message ? ` — ${step.message}` : ''}
        </Text>
      );
    case 'skipped':
      return (
        <Text dimColor>
          – {name} (skipped{step.message ? `: ${step.message}` : ''})
        </Text>
      );
  }
}

export function ScenarioView({ scenario, checks, recovery }: { scenario: ScenarioProgress; checks: readonly CheckVerdict[]; recovery: RecoveryMetrics | undefined }) {
  const now = useNow(1000, scenario.outcome === undefined);
  const elapsedMs = scenario.outcome?.durationMs ?? (scenario.startedAt === undefined ? 0 : now - scenario.startedAt);
  const figures = recoveryFigures(recovery?.rtoMs, recovery?.rpoWrites);
  return (
    <Box flexDirection="column" marginBottom={1}>
      <Text>
        <Text bold>scenario {scenario.name}</Text> <Text dimColor>{seconds(elapsedMs)}</Text>
        {scenario.outcome ? <Text color={scenario.outcome.passed ? 'green' : 'red'}>{scenario.outcome.passed ? ' ✔ PASSED' : ' ✘ FAILED'}</Text> : null}
        {figures ? <Text bold>{figures}</Text> : null}
      </Text>
      {scenario.steps.map((step, i) => (
        <StepLine key={i} step={step} index={i} now={now} />
      ))}
      {checks.length > 0 ? (
        <Box flexDirection="column">
          <Text bold>checks</Text>
          {checks.map((verdict, i) => (
            <Text key={i} color={verdict.ok ? 'green' : 'red'}>
              {verdict.ok ? '✔' : '✘'} {verdict.check} — {verdict.message}
            </Text>
          ))}
        </Box>
      ) : null}
    </Box>
  );
}
