/** etcd-drill's library API: `await using cluster = await startCluster({ topology: 'cluster' })`. */
export { startCluster, attachCluster, removeCluster, listClusters, Cluster } from './topology/cluster.js';
export type { StartOptions, MemberInfo, MemberStatus, EtcdctlResult, EtcdctlOptions } from './topology/cluster.js';
export { planCluster, haproxyConfig } from './topology/plan.js';
export type { ClusterPlan, MemberPlan, LoadBalancerPlan } from './topology/plan.js';
export { validateSpec, SpecError, TOPOLOGIES } from './topology/spec.js';
export type { ClusterSpec, ClusterSpecInput, TopologyKind } from './topology/spec.js';
export { resolveEtcdImage, snapshotTool, OFFICIAL_ETCD_IMAGE, LOCAL_ETCD_IMAGE } from './topology/image.js';
export type { EtcdImage } from './topology/image.js';
export { generateTls, issueClientCert, generateCa } from './topology/tls.js';
export type { TlsMaterial, PemPair } from './topology/tls.js';
export { sweepOrphans } from './topology/sweep.js';
export { timeoutsFor } from './topology/timeouts.js';
export { EventBus } from './events.js';
export type { DrillEvent, Timestamped } from './events.js';
export { DrillError, InvalidInputError, RuntimeUnavailableError, ConditionTimeoutError, ClusterNotFoundError, CommandFailedError } from './errors.js';
export { DockerRuntime } from './runtime/docker.js';
export type { ContainerRuntime } from './runtime/runtime.js';
export { log } from './log.js';
