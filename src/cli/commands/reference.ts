import { Command } from 'commander';
import { REFERENCE_KINDS, type ReferenceKind } from '../../scenarios/reference-kinds.js';

const DESCRIPTIONS: Record<ReferenceKind, string> = {
  faults: 'list the faults `etcd-drill fault` and scenario files can inject, with their default target and options',
  runbooks: 'list the runbooks scenario files and the UI carry out, with their options',
  conditions: 'list the conditions `wait-for:` and `expect:` steps name, with their arguments',
  checks: 'list the checks a run judges, with their floors',
};

/** `etcd-drill faults | runbooks | conditions | checks`: the reference docs/reference.md holds, from the registries' own schemas. */
export function referenceCommands(): Command[] {
  return REFERENCE_KINDS.map((kind) =>
    new Command(kind).description(DESCRIPTIONS[kind]).action(async () => {
      const { referenceText } = await import('../../scenarios/reference.js');
      process.stdout.write(`${referenceText(kind)}\n`);
    }),
  );
}
