import { Box, Text, useApp, useInput, type Key } from 'ink';
import { useCallback, useEffect, useLayoutEffect, useRef, useState, type ReactNode } from 'react';
import type { EventBus, MemberSample } from '../events.js';
import type { TrainerAction, TrainerControl } from '../scenarios/trainer-actions.js';
import { ConfirmPrompt, confirmPromptHeight } from './confirm-prompt.js';
import { Dashboard, dashboardFixedHeight } from './dashboard.js';
import { EventLog } from './event-log.js';
import { HelpBar, helpBarLines, HelpPanel, helpPanelHeight } from './help-bar.js';
import { frameHeight, planFrame, useTerminalSize } from './layout.js';
import { initialView, reduce, type DashboardView } from './model.js';
import { ScenarioView, scenarioFixedHeight } from './scenario-view.js';

export interface AppProps {
  events: EventBus;
  /** The trainer's actions; without it (a scenario run) the keys only select, show help and quit. */
  control?: TrainerControl;
  scenario?: { name: string; steps: string[] };
  cluster?: string;
  /** With a scenario: unmount once its outcome is on screen, so the last frame keeps the verdict and RTO/RPO. */
  exitAfterOutcome?: boolean;
  /** Called once, on q or Ctrl-C; the caller heals, cleans up and unmounts. */
  onQuit: () => void;
}

// Ten frames a second at most: a burst of events folds into one frame instead of starving the keys.
const flushEveryMs = 100;

function moveSelection(members: readonly MemberSample[], selected: string | undefined, step: 1 | -1): string | undefined {
  if (members.length === 0) return selected;
  const at = members.findIndex((m) => m.name === selected);
  const from = at === -1 ? (step === 1 ? -1 : members.length) : at;
  return members[(from + step + members.length) % members.length]?.name;
}

export function App({ events, control, scenario, cluster, exitAfterOutcome, onQuit }: AppProps) {
  const { exit } = useApp();
  const [view, setView] = useState<DashboardView>(() => initialView({ cluster, scenario }));
  const latest = useRef(view);
  const [selected, setSelected] = useState<string | undefined>(undefined);
  const [confirming, setConfirming] = useState<{ action: TrainerAction; warning: string } | undefined>(undefined);
  const [notice, setNotice] = useState<string | undefined>(undefined);
  const [showHelp, setShowHelp] = useState(false);
  const [quitting, setQuitting] = useState(false);
  // Set at once, not on the next render: a second q or Ctrl-C right behind the first must not quit twice.
  const quitRequested = useRef(false);

  useEffect(() => {
    let changed = false;
    const unsubscribe = events.subscribe((event) => {
      latest.current = reduce(latest.current, event);
      changed = true;
    });
    const flush = setInterval(() => {
      if (!changed) return;
      changed = false;
      setView(latest.current);
    }, flushEveryMs);
    return () => {
      unsubscribe();
      clearInterval(flush);
    };
  }, [events]);

  const outcome = view.scenario?.outcome;
  useEffect(() => {
    if (exitAfterOutcome && outcome) exit();
  }, [exitAfterOutcome, outcome, exit]);

  /** A second action is refused, not queued: the trainer decides again once the first is done. */
  const refusedAsBusy = (): boolean => {
    if (!control?.busy) return false;
    setNotice(`busy: ${view.action?.label ?? 'another action'} — wait for it to finish`);
    return true;
  };

  const perform = (action: TrainerAction) => {
    if (!control || refusedAsBusy()) return;
    control.perform(action.id, action.usesSelection ? selected : undefined);
  };

  const handleKey = (input: string, key: Key) => {
    if (quitRequested.current) return;
    if ((key.ctrl && input === 'c') || (!confirming && input === 'q')) {
      quitRequested.current = true;
      setConfirming(undefined);
      setQuitting(true);
      onQuit();
      return;
    }
    setNotice(undefined);
    if (confirming) {
      setConfirming(undefined);
      if (input === 'y') perform(confirming.action);
      return;
    }
    if (key.upArrow || key.downArrow) {
      setSelected((current) => moveSelection(view.members, current, key.upArrow ? -1 : 1));
      return;
    }
    if (input === '?') {
      setShowHelp((shown) => !shown);
      return;
    }
    const action = control?.actions.find((a) => a.key === input);
    if (!action || refusedAsBusy()) return;
    const warning = action.warning(view.members, selected);
    if (warning === undefined) perform(action);
    else setConfirming({ action, warning });
  };
  // Ink re-attaches an input handler only once a render's passive effects have run, which can be
  // after its frame is on screen; a key pressed in between must meet the state that frame shows.
  const latestKeyHandler = useRef(handleKey);
  useLayoutEffect(() => {
    latestKeyHandler.current = handleKey;
  });
  useInput(useCallback((input: string, key: Key) => latestKeyHandler.current(input, key), []));

  const size = useTerminalSize();
  const { columns } = size;
  const height = frameHeight(size);
  const actions = control?.actions ?? [];
  const notices = (
    <>
      {notice ? (
        <Text color="yellow" wrap="truncate-end">
          {notice}
        </Text>
      ) : null}
      {quitting ? (
        <Text color="yellow" wrap="truncate-end">
          healing everything and removing what this session started…
        </Text>
      ) : null}
    </>
  );
  const fixed =
    (view.scenario ? scenarioFixedHeight(view.checks) : 0) +
    dashboardFixedHeight(view) +
    (confirming ? confirmPromptHeight(confirming.action.label, confirming.warning, columns) : 0) +
    (notice ? 1 : 0) +
    (quitting ? 1 : 0) +
    helpBarLines(actions, columns).length;
  const frame = (children: ReactNode) => (
    // Exactly the terminal's width and a line short of its height, whatever is in it: the event log
    // takes the lines the rest leaves, and anything that still does not fit is cut off, never scrolled.
    <Box flexDirection="column" width={columns} height={height} overflow="hidden">
      {children}
    </Box>
  );

  // Asked for, the help shows in full: beside the dashboard where both fit, instead of it where not.
  if (showHelp && fixed + helpPanelHeight(actions) > height) {
    return frame(
      <>
        <HelpPanel actions={actions} />
        {notices}
      </>,
    );
  }
  const plan = planFrame({ height, fixed: fixed + (showHelp ? helpPanelHeight(actions) : 0), steps: view.scenario?.steps.length ?? 0, leaderChanges: view.leaderChanges.length });
  return frame(
    <>
      <EventLog lines={view.log} height={plan.log} />
      {view.scenario ? <ScenarioView scenario={view.scenario} checks={view.checks} recovery={view.recovery} stepLines={plan.steps} /> : null}
      <Dashboard view={view} selected={selected} width={columns} sparklines={plan.sparklines} leaders={plan.leaders} />
      {confirming ? <ConfirmPrompt label={confirming.action.label} warning={confirming.warning} width={columns} /> : null}
      {notices}
      {showHelp ? <HelpPanel actions={actions} /> : null}
      <HelpBar actions={actions} width={columns} />
    </>,
  );
}
