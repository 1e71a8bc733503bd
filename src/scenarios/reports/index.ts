import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Report } from '../types.js';
import { htmlReport } from './html.js';
import { jsonReport } from './json.js';
import { junitXml } from './junit.js';

export { htmlReport, jsonReport, junitXml };

/** junit.xml for all the scenarios of a run, and a JSON and an HTML file per scenario. */
export async function writeReports(reports: Report[], dir: string): Promise<{ junit: string; files: string[] }> {
  await mkdir(dir, { recursive: true });
  const junit = join(dir, 'junit.xml');
  await writeFile(junit, junitXml(reports));
  const files = [junit];
  for (const report of reports) {
    const json = join(dir, `${report.scenario}.json`);
    const html = join(dir, `${report.scenario}.html`);
    await writeFile(json, jsonReport(report));
    await writeFile(html, htmlReport(report));
    files.push(json, html);
  }
  return { junit, files };
}
