import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { htmlReport } from '../../src/scenarios/reports/html.js';
import { outageReport } from '../support/outage-report.js';

/**
 * The HTML report in a real browser: Debian's Chromium, headless, takes a screenshot of a report
 * with an outage in it. The PNG stays at `screenshot` (below) for a person to look at.
 */
const screenshot = join(tmpdir(), 'etcd-drill-report-screenshot.png');

function chromium(): string {
  const fromEnv = process.env.ETCD_DRILL_CHROMIUM;
  if (fromEnv) {
    if (existsSync(fromEnv)) return fromEnv;
    throw new Error(`ETCD_DRILL_CHROMIUM=${fromEnv} does not exist: unset it and run scripts/setup.sh, which installs Chromium from Debian`);
  }
  const dirs = (process.env.PATH ?? '').split(delimiter);
  for (const name of ['chromium', 'chromium-browser']) {
    const found = dirs.map((dir) => join(dir, name)).find((path) => existsSync(path));
    if (found) return found;
  }
  throw new Error('Chromium is not installed (no chromium on PATH): run scripts/setup.sh, which installs it from Debian, or set ETCD_DRILL_CHROMIUM to a Chromium binary');
}

/** Width and height from a PNG's IHDR chunk. */
function pngSize(png: Buffer): { width: number; height: number } {
  expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

describe('the HTML report in a browser', () => {
  let dir: string | undefined;
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('renders headless to a screenshot that is not blank', { timeout: 90_000 }, async () => {
    const browser = chromium();
    dir = await mkdtemp(join(tmpdir(), 'etcd-drill-report-'));
    const page = join(dir, 'report.html');
    await writeFile(page, htmlReport(outageReport()));
    await rm(screenshot, { force: true });
    // The flags keep a headless Chromium off this machine's closed network and out of any profile.
    await promisify(execFile)(
      browser,
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--hide-scrollbars',
        `--user-data-dir=${join(dir, 'profile')}`,
        `--screenshot=${screenshot}`,
        '--window-size=1200,2000',
        pathToFileURL(page).href,
      ],
      { timeout: 80_000 },
    );
    expect(existsSync(screenshot), `no screenshot at ${screenshot}`).toBe(true);
    const png = await readFile(screenshot);
    expect(pngSize(png)).toEqual({ width: 1200, height: 2000 });
    // A blank page of that size compresses to a few kB; text, the timeline and tables take far more.
    expect((await stat(screenshot)).size).toBeGreaterThan(40_000);
  });
});
