import { z } from 'zod';
import { InvalidInputError } from '../errors.js';

/**
 * What the user asked for. Plain data: the CLI, scenario files and library callers all build one,
 * and `validateSpec` turns any of them into a complete `ClusterSpec` or reports every problem at
 * once, each with its dotted path.
 */
export const TOPOLOGIES = ['single', 'cluster', 'lb'] as const;
export type TopologyKind = (typeof TOPOLOGIES)[number];

export const ETCD_LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;

/** Members share two cores here; more than nine is no longer a rehearsal of anything real. */
export const MAX_MEMBERS = 9;
/** etcd refuses an election timeout above this (etcdserver: maxElectionMs). */
export const MAX_ELECTION_TIMEOUT_MS = 50_000;

const clusterName = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,30}$/, 'must start with a letter and hold only a-z, 0-9 and "-" (at most 31 characters)');

const positiveInt = (what: string) => z.number({ error: `${what} must be a number` }).int(`${what} must be a whole number`).positive(`${what} must be greater than 0`);

const specSchema = z
  .object({
    name: clusterName.default('drill'),
    topology: z.enum(TOPOLOGIES, { error: `must be one of ${TOPOLOGIES.join(', ')}` }).default('cluster'),
    members: positiveInt('members').max(MAX_MEMBERS, `at most ${MAX_MEMBERS} members fit on this machine`).optional(),
    allowEven: z.boolean().default(false),
    tls: z.boolean().default(true),
    image: z.string().min(1).optional(),
    basePort: z.number().int().min(1024, 'must be 1024 or higher').max(65_000, 'must be 65000 or lower').optional(),
    etcd: z
      .object({
        heartbeatIntervalMs: positiveInt('heartbeat interval').default(100),
        electionTimeoutMs: positiveInt('election timeout').max(MAX_ELECTION_TIMEOUT_MS, `etcd allows at most ${MAX_ELECTION_TIMEOUT_MS} ms`).default(1000),
        quotaBackendBytes: positiveInt('quota').optional(),
        snapshotCount: positiveInt('snapshot count').optional(),
        /** `--experimental-corrupt-check-time`: how often the leader compares its hash with the followers' and raises CORRUPT on a mismatch. */
        corruptCheckMs: positiveInt('corruption check period').min(1000, 'must be at least 1000 ms: each check hashes the whole store').optional(),
        logLevel: z.enum(ETCD_LOG_LEVELS, { error: `must be one of ${ETCD_LOG_LEVELS.join(', ')}` }).default('info'),
      })
      .strict()
      .prefault({}),
    resources: z
      .object({
        cpus: z.number().positive('must be greater than 0').max(64).optional(),
        memoryMb: z.number().int().min(32, 'etcd needs at least 32 MB').optional(),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type ClusterSpecInput = z.input<typeof specSchema>;
type ParsedSpec = z.output<typeof specSchema>;
export type ClusterSpec = Omit<ParsedSpec, 'members'> & { members: number };

export function defaultMembers(topology: TopologyKind): number {
  return topology === 'single' ? 1 : 5;
}

export interface SpecProblem {
  path: string;
  message: string;
}

export class SpecError extends InvalidInputError {
  constructor(readonly problems: SpecProblem[]) {
    super(problems.map((p) => `${p.path}: ${p.message}`).join('; '), {
      hint: 'fix the spec and try again (`etcd-drill up --help` lists the options)',
    });
  }
}

/**
 * Rules between fields. They run on the raw input, not after the schema, so they are reported
 * together with every other problem; a rule whose fields are themselves invalid stays silent.
 */
function crossFieldProblems(input: unknown): SpecProblem[] {
  const raw = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>;
  const etcd = (typeof raw.etcd === 'object' && raw.etcd !== null ? raw.etcd : {}) as Record<string, unknown>;
  const valid = <T>(schema: z.ZodType<T>, value: unknown): T | undefined => {
    const result = schema.safeParse(value);
    return result.success ? result.data : undefined;
  };
  const shape = specSchema.shape;
  const topology = valid(shape.topology, raw.topology);
  const members = topology === undefined ? undefined : (valid(shape.members, raw.members) ?? defaultMembers(topology));
  const allowEven = valid(shape.allowEven, raw.allowEven);
  const heartbeat = valid(shape.etcd.unwrap().shape.heartbeatIntervalMs, etcd.heartbeatIntervalMs);
  const election = valid(shape.etcd.unwrap().shape.electionTimeoutMs, etcd.electionTimeoutMs);
  const problems: SpecProblem[] = [];
  if (topology === 'single' && members !== undefined && members !== 1) {
    problems.push({ path: 'members', message: 'the single topology has exactly 1 member; use --topology cluster for more' });
  }
  if (topology !== undefined && topology !== 'single' && members !== undefined && members % 2 === 0 && allowEven === false) {
    problems.push({ path: 'members', message: `${members} members: even sizes add no fault tolerance over ${members - 1}; use an odd number or --allow-even` });
  }
  if (heartbeat !== undefined && election !== undefined && election < 5 * heartbeat) {
    problems.push({ path: 'etcd.electionTimeoutMs', message: `must be at least 5 × the heartbeat interval (${5 * heartbeat} ms), as etcd itself requires` });
  }
  return problems;
}

/** Returns the complete spec, or throws a SpecError naming every problem. */
export function validateSpec(input: unknown): ClusterSpec {
  const parsed = specSchema.safeParse(input ?? {});
  const problems = [
    ...(parsed.success
      ? []
      : parsed.error.issues.map((issue) => ({
          path: issue.path.length ? issue.path.join('.') : '(spec)',
          message: issue.code === 'unrecognized_keys' ? `unknown field(s) ${issue.keys.join(', ')}` : issue.message,
        }))),
    ...crossFieldProblems(input),
  ];
  if (!parsed.success || problems.length > 0) throw new SpecError(problems);
  return { ...parsed.data, members: parsed.data.members ?? defaultMembers(parsed.data.topology) };
}
