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
  #outer: PickContext | undefined;
  #members: readonly Instance[] = [];

  /** This object, now reading `outer`'s request with `members` as its membership. */
  narrow(outer: PickContext, members: readonly Instance[]): PickContext {
    this.#outer = outer;
    this.#members = members;
    return this;
  }

  get members(): readonly Instance[] {
    return this.#members;
  }

  get service(): string {
    return this.#request.service;
  }

  get method(): string {
    return this.#request.method;
  }

  get url(): string {
    return this.#request.url;
  }

  get attempt(): number {
    return this.#request.attempt;
  }

  tried(instance: Instance): boolean {
    return this.#request.tried(instance);
  }

  header(name: string): string | undefined {
    return this.#request.header(name);
  }

  get #request(): PickContext {
    return this.#outer as PickContext;
  }
}
