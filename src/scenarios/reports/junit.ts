import type { Report } from '../types.js';

/** XML 1.0 text: escaped, and without the control characters it cannot hold at all. */
export function xmlText(text: string): string {
  return text
    .replace(/[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD]/gu, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

const seconds = (ms: number) => (ms / 1000).toFixed(3);

/** One test suite per scenario, one test case per step and per check: what CI systems show. */
export function junitXml(reports: Report[]): string {
  const suites = reports.map((report) => {
    const steps = report.steps.map((step) => {
      const name = `${step.index + 1}. ${step.name}`;
      const commands = step.commands.map((c) => `$ ${c.command}  (${c.durationMs} ms, exit ${c.exitCode})\n${c.output}`).join('\n');
      const body =
        step.state === 'failed'
          ? `<failure message="${xmlText(step.message)}">${xmlText(`${step.message}\n${commands}`)}</failure>`
          : step.state === 'skipped'
            ? '<skipped/>'
            : commands
              ? `<system-out>${xmlText(commands)}</system-out>`
              : '';
      return `    <testcase classname="${xmlText(report.scenario)}.steps" name="${xmlText(name)}" time="${seconds(step.endedAt - step.startedAt)}">${body}</testcase>`;
    });
    const checks = report.checks.map((check) => {
      const evidence = check.evidence.map((e) => `${e.count} ${e.what} (floor ${e.min})`).join('\n');
      const body = check.ok ? `<system-out>${xmlText(evidence)}</system-out>` : `<failure message="${xmlText(`${check.status}: ${check.message}`)}">${xmlText([check.message, ...check.details, evidence].join('\n'))}</failure>`;
      return `    <testcase classname="${xmlText(report.scenario)}.checks" name="${xmlText(check.check)}" time="0.000">${body}</testcase>`;
    });
    const failures = report.steps.filter((s) => s.state === 'failed').length + report.checks.filter((c) => !c.ok).length;
    const skipped = report.steps.filter((s) => s.state === 'skipped').length;
    return [
      `  <testsuite name="${xmlText(report.scenario)}" tests="${steps.length + checks.length}" failures="${failures}" skipped="${skipped}" time="${seconds(report.endedAt - report.startedAt)}" timestamp="${new Date(report.startedAt).toISOString()}">`,
      `    <properties><property name="seed" value="${report.seed}"/>${Object.entries(report.metrics)
        .map(([k, v]) => `<property name="${xmlText(k)}" value="${xmlText(String(v))}"/>`)
        .join('')}</properties>`,
      ...steps,
      ...checks,
      '  </testsuite>',
    ].join('\n');
  });
  return ['<?xml version="1.0" encoding="UTF-8"?>', '<testsuites>', ...suites, '</testsuites>', ''].join('\n');
}
