export * from './verdict.js';
export * from './acked-writes-durable.js';
export * from './no-stale-reads.js';
export * from './quorum-semantics.js';
export * from './converged.js';
export * from './latency.js';
export * from './restore-rpo.js';
