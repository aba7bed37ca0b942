// The command semantics of SPEC section 1, shared by every transport.

import type { Name } from './name.js';
import type { MaybePromise, Store } from './store/store.js';
import { type ClientInfo, type Validation, type ValidationRequest, Verdict } from './validation/validation.js';

/** `refused`: a validator said no; `failed`: a validator could not decide (fail closed). */
export type StoreOutcome = 'stored' | 'exists' | 'refused' | 'failed';

const toOutcome = (stored: boolean): StoreOutcome => (stored ? 'stored' : 'exists');

export class Engine {
  constructor(
    readonly storage: Store,
    private readonly validation: Validation | null = null,
  ) {}

  /**
   * True when STORE takes several steps (check, validate, set): a session
   * must then hold back later commands until it is done, to keep its order
   * (later STOREs excepted, through `after`).
   */
  get storeIsMultiStep(): boolean {
    return this.validation !== null;
  }

  get(name: Name): MaybePromise<string | undefined> {
    return this.storage.get(name);
  }

  exists(name: Name): MaybePromise<boolean> {
    return this.storage.has(name);
  }

  /**
   * True when a STORE started now, beside others of its connection still in
   * flight (`after`), would be validated at once: every hook has a free slot.
   */
  get storeMayGoAhead(): boolean {
    return this.validation?.hasFreeSlots === true;
  }

  /**
   * STORE, step by step (SPEC section 1). `after`: the outcome of the
   * previous STORE of the same connection, still in flight. This one may be
   * validated meanwhile, but is applied only once `after` has settled, and
   * settles itself only after it: the STOREs of one connection take effect in
   * their order, and awaiting the last one awaits them all.
   */
  store(name: Name, value: string, client: ClientInfo, after?: Promise<unknown>): MaybePromise<StoreOutcome> {
    if (this.validation === null) {
      const stored = this.storage.putIfAbsent(name, value);
      return typeof stored === 'boolean' ? toOutcome(stored) : stored.then(toOutcome);
    }
    return this.storeValidated(this.validation, name, value, client, after);
  }

  private async storeValidated(
    validation: Validation,
    name: Name,
    value: string,
    client: ClientInfo,
    after: Promise<unknown> | undefined,
  ): Promise<StoreOutcome> {
    // The caller's name is valid for this call only; the steps below outlive it.
    name = name.copy();
    try {
      // Step 1 may run before `after` settles: names are write-once, so one present now is present then.
      if (await this.storage.has(name)) return 'exists';
      const request = { name: name.text, value, client };
      let verdict: Promise<Verdict> | null =
        after === undefined ? validation.check(request) : tryCheck(validation, request);
      if (verdict === null) {
        // No free slot now: queue as the connection's first STORE would, once the earlier ones are done.
        await settled(after);
        after = undefined;
        verdict = validation.check(request);
      }
      const decided = await verdict;
      if (decided === Verdict.Refuse) return 'refused';
      if (decided === Verdict.Fail) return 'failed';
      if (after !== undefined) {
        await settled(after);
        after = undefined;
      }
      return toOutcome(await this.storage.putIfAbsent(name, value));
    } finally {
      if (after !== undefined) await settled(after);
    }
  }
}

const tryCheck = (validation: Validation, request: ValidationRequest): Promise<Verdict> | null =>
  validation.tryCheck === undefined ? null : validation.tryCheck(request);

/** Resolves once `promise` has settled, whichever way. */
const settled = (promise: Promise<unknown> | undefined): Promise<unknown> | undefined => promise?.then(ignore, ignore);
const ignore = (): void => {};
