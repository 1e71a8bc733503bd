import { useStdout } from 'ink';
import { useEffect, useState } from 'react';

/** What the frame may fill. Without a terminal to ask (a pipe, a test) it assumes 80×24, as Ink does for the width. */
export interface TerminalSize {
  columns: number;
  rows: number;
}

export function terminalSize(stdout: { columns?: number; rows?: number }): TerminalSize {
  return { columns: stdout.columns || 80, rows: stdout.rows || 24 };
}

/** The terminal's size, re-read (and the caller re-rendered) on every 'resize'. */
export function useTerminalSize(): TerminalSize {
  const { stdout } = useStdout();
  const [size, setSize] = useState(() => terminalSize(stdout));
  useEffect(() => {
    const onResize = () => setSize(terminalSize(stdout));
    onResize();
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
  }, [stdout]);
  return size;
}

/**
 * The lines the frame may use: one fewer than the terminal has. A frame as tall as the terminal
 * makes Ink clear the whole screen on every redraw, and a taller one cannot be erased at all (its
 * top has scrolled away, and each redraw leaves another copy of it behind).
 */
export function frameHeight(size: TerminalSize): number {
  return Math.max(1, size.rows - 1);
}

/** Terminal cells a string takes: one a code point, which holds for everything this UI draws (no wide glyphs). */
export const cells = (text: string): number => [...text].length;

/**
 * `items` laid left to right and broken into lines of at most `width` cells, between items only:
 * an item wider than a line gets a line of its own (the caller truncates it).
 */
export function packLines(items: readonly string[], width: number, separator: string): string[] {
  const lines: string[] = [];
  let line: string | undefined;
  for (const item of items) {
    if (line !== undefined && cells(line) + cells(separator) + cells(item) <= width) line += separator + item;
    else {
      if (line !== undefined) lines.push(line);
      line = item;
    }
  }
  if (line !== undefined) lines.push(line);
  return lines;
}

/** Text broken between words into lines of at most `width` cells. */
export const wrapWords = (text: string, width: number): string[] => packLines(text.split(' '), width, ' ');

/** What the flexible parts of the frame get, once the parts that always show have taken their lines. */
export interface FramePlan {
  /** Scenario steps shown (a window around the one under way when they do not all fit). */
  steps: number;
  sparklines: boolean;
  /** Leader changes shown, newest last; 0 hides the leader log and its title. */
  leaders: number;
  /** Lines left for the event log. */
  log: number;
}

const sparklineLines = 3;
const maxLeaders = 5;
const logFloor = 3;

/**
 * Shares out `height - fixed` lines by priority: the scenario's steps, a few lines of the event log,
 * the sparklines, the leader log, and whatever is left to the event log.
 */
export function planFrame(input: { height: number; fixed: number; steps: number; leaderChanges: number }): FramePlan {
  let left = Math.max(0, input.height - input.fixed);
  const steps = Math.min(input.steps, Math.max(Math.min(3, input.steps), left - logFloor));
  left = Math.max(0, left - steps);
  const reserve = Math.min(logFloor, left);
  const sparklines = left - reserve >= sparklineLines;
  if (sparklines) left -= sparklineLines;
  const leaders = input.leaderChanges > 0 && left - reserve >= 2 ? Math.min(maxLeaders, input.leaderChanges, left - reserve - 1) : 0;
  if (leaders > 0) left -= leaders + 1;
  return { steps, sparklines, leaders, log: left };
}

/**
 * Which `count` items to show in `height` lines, `focus` among them, when they may not all fit: the
 * shown range, and whether a line saying how many were left out goes before and after it.
 */
export function windowAround(count: number, focus: number, height: number): { start: number; end: number; before: boolean; after: boolean } {
  if (count <= height) return { start: 0, end: count, before: false, after: false };
  if (height < 3) {
    // No room for a summary line: just the focus and what is nearest it.
    const start = Math.min(Math.max(0, focus - Math.max(0, height - 1)), count - Math.max(0, height));
    return { start, end: start + Math.max(0, height), before: false, after: false };
  }
  // Lay the window out with both summary lines, then give a line back to whichever is not needed.
  let shown = height - 2;
  let start = Math.min(Math.max(0, focus - Math.floor((shown - 1) / 2)), count - shown);
  if (start === 0 || start + shown === count) {
    shown = height - 1;
    start = start === 0 ? 0 : count - shown;
  }
  return { start, end: start + shown, before: start > 0, after: start + shown < count };
}
