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
  .strict()
  .superRefine((spec, ctx) => {
    const members = spec.members ?? defaultMembers(spec.topology);
    if (spec.topology === 'single' && members !== 1) {
      ctx.addIssue({ code: 'custom', path: ['members'], message: 'the single topology has exactly 1 member; use --topology cluster for more' });
    }
    if (spec.topology !== 'single' && members % 2 === 0 && !spec.allowEven) {
      ctx.addIssue({
        code: 'custom',
        path: ['members'],
        message: `${members} members: even sizes add no fault tolerance over ${members - 1}; use an odd number or --allow-even`,
      });
    }
    if (spec.etcd.electionTimeoutMs < 5 * spec.etcd.heartbeatIntervalMs) {
      ctx.addIssue({
        code: 'custom',
        path: ['etcd', 'electionTimeoutMs'],
        message: `must be at least 5 × the heartbeat interval (${5 * spec.etcd.heartbeatIntervalMs} ms), as etcd itself requires`,
      });
    }
  });

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

/** Returns the complete spec, or throws a SpecError naming every problem. */
export function validateSpec(input: unknown): ClusterSpec {
  const parsed = specSchema.safeParse(input ?? {});
  if (!parsed.success) {
    throw new SpecError(
      parsed.error.issues.map((issue) => ({
        path: issue.path.length ? issue.path.join('.') : '(spec)',
        message: issue.code === 'unrecognized_keys' ? `unknown field(s) ${issue.keys.join(', ')}` : issue.message,
      })),
    );
  }
  return { ...parsed.data, members: parsed.data.members ?? defaultMembers(parsed.data.topology) };
}
