import { readFile, writeFile } from 'node:fs/promises';

/**
 * The planted bugs' per-seed record: `npm run soak:planted` writes each test file's rows into its own
 * section of docs/planted-soak.md, the file docs/VERDICTS.md's "caught on N of 20 seeds" comes from.
 * A run of one seed (CI) writes nothing: its seed and outcome are in its log.
 */
export interface CatchRow {
  bug: string;
  seed: number;
  caught: boolean;
  /** Runs before the catch (property drills), or the check that caught it (workload). */
  detail: string;
  searchMs: number;
}

const FILE = new URL('../../docs/planted-soak.md', import.meta.url);
const HEADER = '# Planted bugs, seed by seed\n\nWritten by `npm run soak:planted`; do not edit by hand. Each row is one search from one seed.\n';

export class SoakTable {
  private readonly rows: CatchRow[] = [];
  constructor(
    private readonly section: string,
    private readonly seeds: number,
  ) {}

  record(row: CatchRow): void {
    this.rows.push(row);
  }

  /** Replaces this file's section with its rows and a per-bug tally; only for runs of more than one seed. */
  async write(): Promise<void> {
    if (this.seeds < 2 || this.rows.length === 0) return;
    const text = await readFile(FILE, 'utf8').catch(() => HEADER);
    const begin = `<!-- ${this.section} -->`;
    const end = `<!-- /${this.section} -->`;
    const bugs = [...new Set(this.rows.map((r) => r.bug))];
    const tally = bugs.map((bug) => {
      const rows = this.rows.filter((r) => r.bug === bug);
      return `| ${bug} | ${rows.filter((r) => r.caught).length} of ${rows.length} |`;
    });
    const body = [
      begin,
      `## ${this.section} (${new Date().toISOString().slice(0, 10)}, seeds ${Math.min(...this.rows.map((r) => r.seed))}–${Math.max(...this.rows.map((r) => r.seed))})`,
      '',
      '| bug | caught |',
      '|---|---|',
      ...tally,
      '',
      '| bug | seed | caught | how | search |',
      '|---|---|---|---|---|',
      ...this.rows.map((r) => `| ${r.bug} | ${r.seed} | ${r.caught ? 'yes' : '**no**'} | ${r.detail} | ${Math.round(r.searchMs / 1000)} s |`),
      end,
    ].join('\n');
    const at = text.indexOf(begin);
    const next = at < 0 ? `${text.trimEnd()}\n\n${body}\n` : `${text.slice(0, at)}${body}${text.slice(text.indexOf(end) + end.length)}`;
    await writeFile(FILE, next);
  }
}
