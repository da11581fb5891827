// axios's own test for an absolute URL — a scheme followed by `//`, or a protocol-relative `//` —
// widened to backslashes, which WHATWG URL parsing treats like slashes. Either would take a request
// around the balancer. Anything else is a path: `users:batchGet` (a Google-style custom method) has a
// colon in its first segment and is still a path, as axios reads it.
const absoluteUrl = /^([a-z][a-z\d+\-.]*:)?[/\\]{2}/i;

/** Whether axios would send a request for `url` to a host of the URL's own choosing. */
export function isAbsoluteUrl(url: string): boolean {
  return absoluteUrl.test(url);
}
