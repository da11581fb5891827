// Pick contexts built the way the client builds them: the membership, and what the request tried.
import type { Instance } from '../../lib/discovery/instance.js';
import type { PickContext } from '../../lib/pickers/picker.js';

export interface RequestFields {
  /** The `x-hash-key` header. */
  readonly key?: string | undefined;
  /** Instances this request was already sent to (compared by id); the attempt number follows. */
  readonly tried?: readonly Instance[];
  readonly headers?: Readonly<Record<string, string>>;
}

/** The context of one attempt of a request to a service whose members are `members`. */
export function requestTo(members: readonly Instance[], fields: RequestFields = {}): PickContext {
  const tried = fields.tried ?? [];
  const headers = fields.headers ?? {};
  return {
    service: 'users',
    method: 'GET',
    url: '/',
    attempt: tried.length + 1,
    members,
    tried: (instance) => tried.some((done) => done.id === instance.id),
    header: (name) => (name === 'x-hash-key' ? fields.key : headers[name.toLowerCase()]),
  };
}
