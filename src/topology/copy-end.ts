/** Where `member cp` copies: a host path, or `NAME:/path` in a member. */
export interface CopyEnd {
  member?: string;
  path: string;
}

/** `NAME:/path` is a member's, anything else the host's (as `docker cp` reads its arguments). */
export function parseCopyEnd(text: string): CopyEnd {
  const found = /^([a-z0-9][a-z0-9-]*):(\/.*)$/.exec(text);
  return found ? { member: found[1] as string, path: found[2] as string } : { path: text };
}
