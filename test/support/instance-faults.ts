// What a test instance (instance-server.ts) and the process that runs it (instance-process.ts) say to
// each other about faults: the controls, the counters, and the ledger of applied requests.

/** How the service routes of an instance misbehave; /health and the control routes never do. */
export type Fault =
  | { readonly kind: 'none' }
  /** Answer this status (503) to every request, without applying it. */
  | { readonly kind: 'status'; readonly status: number }
  /** Read the request and apply it, then reset the socket (RST) instead of answering; with `reusedOnly`, only on a keep-alive socket that carried a request before. */
  | { readonly kind: 'reset'; readonly reusedOnly: boolean }
  /** Apply the request, send the head and half the body, then close the connection. */
  | { readonly kind: 'cut-body' };

/** What an instance counted since it started. */
export interface InstanceStats {
  /** Requests to the service routes (attempts that reached the server). */
  received: number;
  /** Requests with an `x-request-id` applied (reported to the ledger). */
  applied: number;
  /** Sockets reset by the `reset` fault. */
  resets: number;
  /** Bodies cut by the `cut-body` fault. */
  cuts: number;
  /** Requests whose connection the client closed before the answer was complete. */
  aborted: number;
}

/** Sent to the parent before an applied request is answered. */
export interface AppliedMessage {
  readonly type: 'applied';
  readonly requestId: string;
  readonly method: string;
  readonly instance: string;
  /** It came over a keep-alive socket that had carried a request before. */
  readonly reused: boolean;
}
