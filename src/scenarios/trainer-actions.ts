import type { MemberSample } from '../events.js';

/**
 * What a face can ask of a live session (the terminal UI's keys, stdin lines in plain mode).
 * The face only names actions; the session carries them out and reports through the event
 * stream (`action.started`, `action.finished`, and the faults' and runbooks' own events).
 */
export interface TrainerAction {
  /** Stable name, also what plain mode reads from stdin: 'kill-leader'. */
  id: string;
  /** The key that triggers it in the UI. */
  key: string;
  /** Short words for the help bar: 'kill leader'. */
  label: string;
  /** Acts on the member selected with the arrow keys. */
  usesSelection: boolean;
  /**
   * Said before acting when the action loses quorum or data ("this loses quorum: writes will stop
   * until 3 members are back"); the face asks to confirm. Undefined: act at once.
   */
  warning(members: readonly MemberSample[], selected: string | undefined): string | undefined;
}

export interface TrainerControl {
  readonly actions: readonly TrainerAction[];
  /** True while an action runs; a face refuses a second one rather than queueing it. */
  readonly busy: boolean;
  /** Starts the action in the background and returns at once; the outcome arrives as `action.finished`. */
  perform(actionId: string, selected: string | undefined): void;
  /** Heals every fault, stops the workload, and removes the clusters this session started. */
  shutdown(): Promise<void>;
}
