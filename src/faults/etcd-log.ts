/**
 * The last line of etcd's log that `matches`, as an operator would quote it: its JSON line's msg
 * and error ("failed to commit tx: input/output error"), or the line as written when it is not JSON.
 */
export function lastLogLine(logs: string, matches: (line: string) => boolean): string | undefined {
  const line = logs.split('\n').reverse().find(matches)?.trim();
  if (!line) return undefined;
  try {
    const { msg, error } = JSON.parse(line) as { msg?: string; error?: string };
    return [msg, error].filter(Boolean).join(': ') || line;
  } catch {
    return line;
  }
}
