// The command semantics of SPEC section 1, shared by every transport.

import type { Name } from './name.js';
import type { MaybePromise, Store } from './store/store.js';
import type { ClientInfo, Validation } from './validation/validation.js';

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
   * must then hold back later commands until it is done, to keep its order.
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

  store(name: Name, value: string, client: ClientInfo): MaybePromise<StoreOutcome> {
    if (this.validation === null) {
      const stored = this.storage.putIfAbsent(name, value);
      return typeof stored === 'boolean' ? toOutcome(stored) : stored.then(toOutcome);
    }
    return this.storeValidated(this.validation, name, value, client);
  }

  private async storeValidated(
    validation: Validation,
    name: Name,
    value: string,
    client: ClientInfo,
  ): Promise<StoreOutcome> {
    // The caller's name is valid for this call only; the steps below outlive it.
    name = name.copy();
    if (await this.storage.has(name)) return 'exists';
    const verdict = await validation.check({ name: name.text, value, client });
    if (verdict === 'refuse') return 'refused';
    if (verdict === 'fail') return 'failed';
    return toOutcome(await this.storage.putIfAbsent(name, value));
  }
}
