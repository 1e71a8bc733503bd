import { InvalidInputError } from '../../errors.js';
import { defrag } from './defrag.js';
import { exec } from './exec.js';
import { nospaceRecovery, verifyBackup } from './operations.js';
import { replaceMember } from './replace-member.js';
import { restore } from './restore.js';
import type { AnyRunbook } from './runbook.js';
import { encryptedBackup, snapshot, volumeSnapshot } from './snapshot.js';

/** Every runbook by name: scenario files, the CLI and the UI look them up here. */
export const RUNBOOKS: ReadonlyMap<string, AnyRunbook> = new Map(
  [replaceMember, snapshot, encryptedBackup, volumeSnapshot, restore, nospaceRecovery, verifyBackup, defrag, exec].map((r) => [r.name, r]),
);

export function lookupRunbook(name: string, registry: ReadonlyMap<string, AnyRunbook> = RUNBOOKS): AnyRunbook {
  const runbook = registry.get(name);
  if (!runbook) throw new InvalidInputError(`unknown runbook '${name}'`, { hint: `known runbooks: ${[...registry.keys()].join(', ')}` });
  return runbook;
}
