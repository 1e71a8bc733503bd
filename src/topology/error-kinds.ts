// Apart from the client so that the history and the checks, which only read errors, do not load etcd's client.

/**
 * How an etcd call failed, in the words an operator searches for. `abandoned`: the caller stopped
 * waiting (the API servers stopped) before any answer; like a timeout, the outcome is unknown.
 */
export type ErrorKind = 'timeout' | 'abandoned' | 'no-leader' | 'nospace' | 'connection-refused' | 'unavailable' | 'leader-changed' | 'conflict' | 'other';

export function classifyError(message: string): ErrorKind {
  if (/database space exceeded|NOSPACE/i.test(message)) return 'nospace';
  if (/stopped while this call was outstanding/.test(message)) return 'abandoned';
  if (/no leader/i.test(message)) return 'no-leader';
  if (/^conflict:/.test(message)) return 'conflict';
  if (/leader changed/i.test(message)) return 'leader-changed';
  if (/request timed out|DEADLINE_EXCEEDED|deadline exceeded|gave no answer/i.test(message)) return 'timeout';
  if (/ECONNREFUSED|connection refused/i.test(message)) return 'connection-refused';
  if (/UNAVAILABLE|No connection established|ECONNRESET|Connection dropped|circuit breaker is open/i.test(message)) return 'unavailable';
  return 'other';
}
