// The seam between STORE and the hooks that approve it. Every kind of hook
// (exec, worker, module, webhook) is adapted to one Validator shape; a
// Validation runs them all under one policy and gives one verdict.

export const Transport = { Tcp: 'tcp', Ws: 'ws', Http: 'http' } as const;
export type Transport = (typeof Transport)[keyof typeof Transport];

/** The user of a client that never authenticated (SPEC section 8). */
export const DEFAULT_USER = 'default';

/** Who asks: handed to every hook (SPEC section 4). */
export interface ClientInfo {
  readonly transport: Transport;
  readonly remoteAddress: string;
  /** The ACL user the client acts as; `default` until it authenticates. */
  readonly user: string;
}

export interface ValidationRequest {
  readonly name: string;
  readonly value: string;
  readonly client: ClientInfo;
}

export const Verdict = { Allow: 'allow', Refuse: 'refuse', Fail: 'fail' } as const;
export type Verdict = (typeof Verdict)[keyof typeof Verdict];

/** Decides every STORE that reached step 2: resolves, never rejects. */
export interface Validation {
  check(request: ValidationRequest): Promise<Verdict>;
  /** True when every hook has a free slot now: a check would start at once, queueing nowhere. */
  readonly hasFreeSlots?: boolean;
  /**
   * `check`, but only if every hook has a free slot now (taken at once);
   * null instead of waiting in a queue.
   */
  tryCheck?(request: ValidationRequest): Promise<Verdict> | null;
}
