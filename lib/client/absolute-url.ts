// axios's own test for an absolute URL, widened to any scheme ("mailto:", "file:") and to a leading
// backslash pair, which WHATWG URL parsing treats like "//". One rule for request URLs and for a
// wrapped instance's baseURL: either would take a request around the balancer.
const absoluteUrl = /^([a-z][a-z\d+\-.]*:|\/\/|\\\\)/i;

/** Whether axios would send a request for `url` to a host of the URL's own choosing. */
export function isAbsoluteUrl(url: string): boolean {
  return absoluteUrl.test(url);
}
