import { formatBytes } from '../../event-lines.js';

/** A report's metric as a reader wants it: a label in words and a value with its unit. */
export interface MetricText {
  key: string;
  label: string;
  value: string;
  /** What the figure means, for a tooltip; undefined when the label says it all. */
  hint?: string;
}

const count = (n: number): string => n.toLocaleString('en-US');
const plural = (n: number, one: string, many = `${one}s`): string => `${count(n)} ${n === 1 ? one : many}`;

/** 850 ms, 8.6 s, 2 min 5 s, 1 h 3 min: to the precision a trainer reads. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  const wholeSeconds = Math.round(seconds);
  if (wholeSeconds < 3600) return `${Math.floor(wholeSeconds / 60)} min ${wholeSeconds % 60} s`;
  return `${Math.floor(wholeSeconds / 3600)} h ${Math.floor((wholeSeconds % 3600) / 60)} min`;
}

type Known = { label: string; value: (n: number) => string; hint?: string };

/** The metrics the engine and the runbooks report today; anything else is read by its name (see `describeMetric`). */
const known: Record<string, Known> = {
  rtoMs: { label: 'RTO', value: formatDuration, hint: 'recovery time: from the fault to the first write acknowledged after the restore' },
  rpoWrites: {
    label: 'RPO',
    value: (n) => (n === 0 ? 'no acknowledged write lost' : `${plural(n, 'acknowledged write')} lost`),
    hint: 'recovery point: writes etcd acknowledged that the restored cluster does not hold',
  },
  restoreMs: { label: 'Restore took', value: formatDuration },
  restoredFromRevision: { label: 'Restored from', value: (n) => `revision ${count(n)}` },
  restoredKeys: { label: 'Keys restored', value: (n) => plural(n, 'key') },
  verifiedKeys: { label: 'Keys verified', value: (n) => plural(n, 'key'), hint: 'keys read back after the restore and found identical to the source' },
  dbSizeBytes: { label: 'Database size', value: formatBytes },
  snapshotRevision: { label: 'Snapshot at', value: (n) => `revision ${count(n)}` },
  snapshotKeys: { label: 'Keys in the snapshot', value: (n) => plural(n, 'key') },
  snapshotBytes: { label: 'Snapshot size', value: formatBytes },
  backupBytes: { label: 'Encrypted backup size', value: formatBytes },
  workloadP99MsDuringSnapshot: { label: 'Write p99 during the snapshot', value: formatDuration, hint: 'the 99th percentile latency of the workload’s writes while the snapshot was taken' },
  statePreset: { label: 'State preset', value: String },
  stateKeys: { label: 'Objects preloaded', value: (n) => plural(n, 'object') },
  stateValueBytes: { label: 'Preloaded data', value: formatBytes },
  stateLoadMs: { label: 'Preload took', value: formatDuration },
};

/** Words written in capitals wherever they appear in a metric's name. */
const acronyms = new Set(['db', 'wal', 'rto', 'rpo', 'ttl', 'cpu', 'id', 'kv', 'tls', 'api']);

/**
 * Units read from a metric's name. Bytes and milliseconds anywhere in it (`workloadP99MsDuringSnapshot`);
 * a count's noun only as its last word (`snapshotKeys`: "Snapshot: 120 keys", but `keysRestored`:
 * "Keys restored: 120"). Either way the value says the unit, so the label drops the word.
 */
const units: { word: string; anywhere: boolean; value: (n: number) => string }[] = [
  { word: 'bytes', anywhere: true, value: formatBytes },
  { word: 'ms', anywhere: true, value: formatDuration },
  { word: 'keys', anywhere: false, value: (n) => plural(n, 'key') },
  { word: 'writes', anywhere: false, value: (n) => plural(n, 'write') },
  { word: 'objects', anywhere: false, value: (n) => plural(n, 'object') },
];

/**
 * `snapshotKeys`, 120 → "Keys in the snapshot: 120 keys". Names this module does not know are read
 * by their camelCase words, the unit taken from the word that names it: `dbSizeBytes` → "DB size:
 * 24 MB", `preloadMs` → "Preload: 1.2 s", `restoredKeys` → "Restored: 120 keys", anything else a plain count.
 */
export function describeMetric(key: string, raw: number | string): MetricText {
  const entry = known[key];
  if (entry) return { key, label: entry.label, value: typeof raw === 'number' ? entry.value(raw) : raw, ...(entry.hint ? { hint: entry.hint } : {}) };
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[\s_-]+/)
    .filter(Boolean);
  const unit = typeof raw === 'number' ? units.find((u) => words.at(-1) === u.word || (u.anywhere && words.includes(u.word))) : undefined;
  const labelWords = unit && words.length > 1 ? words.filter((w) => w !== unit.word) : words;
  const label = labelWords.map((w) => (acronyms.has(w) ? w.toUpperCase() : w)).join(' ');
  const value = typeof raw !== 'number' ? raw : unit ? unit.value(raw) : count(raw);
  return { key, label: label.charAt(0).toUpperCase() + label.slice(1), value };
}

/** The recovery figures first (RTO, RPO), then the rest in the order the run reported them. */
export function describeMetrics(metrics: Record<string, number | string>): MetricText[] {
  const first = ['rtoMs', 'rpoWrites'];
  const keys = [...first.filter((k) => k in metrics), ...Object.keys(metrics).filter((k) => !first.includes(k))];
  return keys.map((k) => describeMetric(k, metrics[k] as number | string));
}
