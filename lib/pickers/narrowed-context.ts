import type { Instance } from '../discovery/instance.js';
import type { PickContext } from './picker.js';

/**
 * The context a wrapper hands the picker inside it when it narrows the membership too (`subset`, or
 * `compose` with per-instance filters): the request's own, with `members` replaced, so the inner
 * picker derives its ring, subset or warming clocks from the instances it can actually be given.
 *
 * One object per wrapper, re-aimed on every pick, so narrowing allocates nothing; a pick is
 * synchronous, so no other pick can re-aim it while the inner picker reads it.
 */
export class NarrowedContext implements PickContext {
  #outer: PickContext = unnarrowed;
  #members: readonly Instance[] = [];

  /** This object, now reading `outer`'s request with `members` as its membership. */
  narrow(outer: PickContext, members: readonly Instance[]): PickContext {
    // Narrowing a narrowed context reads the request itself: one hop per call, however deep the stack.
    this.#outer = outer instanceof NarrowedContext ? outer.#outer : outer;
    this.#members = members;
    return this;
  }

  get members(): readonly Instance[] {
    return this.#members;
  }

  get service(): string {
    return this.#outer.service;
  }

  get method(): string {
    return this.#outer.method;
  }

  get url(): string {
    return this.#outer.url;
  }

  get attempt(): number {
    return this.#outer.attempt;
  }

  tried(instance: Instance): boolean {
    return this.#outer.tried(instance);
  }

  header(name: string): string | undefined {
    return this.#outer.header(name);
  }
}

/** What a context reads before its first `narrow`: no request at all. */
const unnarrowed: PickContext = {
  service: '',
  method: 'GET',
  url: '',
  attempt: 1,
  members: [],
  tried: () => false,
  header: () => undefined,
};
