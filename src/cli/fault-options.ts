import { InvalidInputError } from '../errors.js';

/** `--limit-mb 48 --scope client` → { limitMb: 48, scope: 'client' }: the fault's own schema judges them. */
export function faultOptions(args: string[]): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  for (let i = 0; i < args.length; i += 1) {
    const flag = args[i] as string;
    const match = /^--([a-z][a-z0-9-]*)(?:=(.*))?$/.exec(flag);
    if (!match) throw new InvalidInputError(`unexpected argument '${flag}'`, { hint: 'fault options are written --name value' });
    const name = (match[1] as string).replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
    const raw = match[2] ?? args[(i += 1)];
    if (raw === undefined) throw new InvalidInputError(`${flag} needs a value`);
    options[name] = /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : raw;
  }
  return options;
}
