import { readFile, writeFile } from 'node:fs/promises';

/**
 * Replaces what the README holds between `<!-- bench:NAME -->` and `<!-- /bench:NAME -->` with
 * `markdown`: the bench scripts write their own tables, never a hand.
 */
export async function writeReadmeSection(name: string, markdown: string, path = 'README.md'): Promise<void> {
  const text = await readFile(path, 'utf8');
  const open = `<!-- bench:${name} -->`;
  const close = `<!-- /bench:${name} -->`;
  const from = text.indexOf(open);
  const to = text.indexOf(close);
  if (from < 0 || to < from) throw new Error(`${path} has no ${open} … ${close} section for this bench to write`);
  await writeFile(path, `${text.slice(0, from + open.length)}\n${markdown.trim()}\n${text.slice(to)}`);
}
