/**
 * The one logger. Levels filter; the sink is stderr by default so stdout stays clean for
 * `--json` and `env` output. The TUI replaces the sink so log lines never tear its frame.
 */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export type LogSink = (level: Exclude<LogLevel, 'silent'>, line: string) => void;

const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };

function envLevel(): LogLevel {
  const fromEnv = process.env.ETCD_DRILL_LOG_LEVEL as LogLevel | undefined;
  return fromEnv && fromEnv in rank ? fromEnv : 'info';
}

const stderrSink: LogSink = (level, line) => {
  process.stderr.write(level === 'info' ? `${line}\n` : `${level}: ${line}\n`);
};

class Logger {
  level: LogLevel = envLevel();
  sink: LogSink = stderrSink;

  private emit(level: Exclude<LogLevel, 'silent'>, message: string): void {
    if (rank[level] >= rank[this.level]) this.sink(level, message);
  }
  debug(message: string): void {
    this.emit('debug', message);
  }
  info(message: string): void {
    this.emit('info', message);
  }
  warn(message: string): void {
    this.emit('warn', message);
  }
  error(message: string): void {
    this.emit('error', message);
  }
}

export const log = new Logger();
