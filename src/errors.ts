/**
 * Every error etcd-drill raises on purpose is a DrillError: a one-line message that says what
 * went wrong and, in `hint`, what the user should do about it. The CLI prints `message — hint`
 * and exits with `exitCode`; anything else is a bug and is printed with its stack.
 */
export class DrillError extends Error {
  readonly hint: string | undefined;
  readonly exitCode: number;

  constructor(message: string, options: { hint?: string; cause?: unknown; exitCode?: number } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? 1;
  }

  /** The single line a user sees. */
  oneLine(): string {
    return this.hint ? `${this.message} — ${this.hint}` : this.message;
  }
}

/** The user's input (a spec, a flag, a scenario) is wrong; nothing was started. */
export class InvalidInputError extends DrillError {
  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, { ...options, exitCode: 2 });
  }
}

/** The Docker engine cannot be reached or refused an operation. */
export class RuntimeUnavailableError extends DrillError {}

/** A cluster did not reach the expected condition in time. */
export class ConditionTimeoutError extends DrillError {}

/** What a condition awaits can never come true any more (a write was acknowledged that must not be): waiting stops at once. */
export class ConditionViolatedError extends DrillError {}

/** No cluster state by that name exists. */
export class ClusterNotFoundError extends DrillError {}

/** A member's container no longer exists (destroyed, or removed behind our back): it cannot come back by itself. */
export class ContainerGoneError extends DrillError {}

/** etcdctl (or etcdutl) ran and exited non-zero. */
export class CommandFailedError extends DrillError {
  constructor(
    readonly command: string,
    readonly exitCode_: number,
    readonly output: string,
  ) {
    super(`\`${command}\` exited ${exitCode_}: ${lastLine(output)}`);
  }
}

function lastLine(text: string): string {
  const lines = text.trim().split('\n');
  return lines[lines.length - 1] ?? '';
}

export function describeError(err: unknown): string {
  if (err instanceof DrillError) return err.oneLine();
  if (err instanceof Error) return err.message;
  return String(err);
}
