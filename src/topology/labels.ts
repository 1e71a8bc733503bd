// Apart from the plan (which issues certificates) so that what only reads labels loads no crypto.

export const LABEL_PREFIX = 'io.etcd-drill';
export const labelKeys = {
  cluster: `${LABEL_PREFIX}.cluster`,
  owner: `${LABEL_PREFIX}.owner`,
  role: `${LABEL_PREFIX}.role`,
  member: `${LABEL_PREFIX}.member`,
} as const;
/** Objects of a cluster that outlives the process that made it (`etcd-drill up`). */
export const DETACHED_OWNER = 'detached';
