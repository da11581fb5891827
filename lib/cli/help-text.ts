/** What `proxyless --help` prints: every command, flag, environment variable and exit code. */
export const helpText = `Usage: proxyless status <service> [--consul host:port] [--watch] [--json]

Lists what Consul holds for <service> — each instance with its address, port, node,
checks, tags and weights — and what a proxyless client would do with it: route to it,
or skip it and why.

Options:
  --consul <address>  The Consul agent: host:port, http://host:port or https://host:port.
                      Default: CONSUL_HTTP_ADDR, else 127.0.0.1:8500.
  -w, --watch         Keep following the service: print it again whenever it changes
                      (a blocking query), until interrupted.
  --json              Print JSON instead of a table; with --watch, one JSON document
                      per line (NDJSON).
  -h, --help          Print this help.

Environment (read as Consul's own CLI reads it):
  CONSUL_HTTP_ADDR    The agent's address, when --consul is not given.
  CONSUL_HTTP_TOKEN   The ACL token to send. It is never printed.
  CONSUL_HTTP_SSL     true: use HTTPS.
  CONSUL_CACERT       A PEM file with the CA that signed the agent's certificate.

Exit status:
  0  the service was listed (with --watch: interrupted)
  1  the service is not registered, or Consul cannot be reached or refused the request
  2  the command line is wrong

Examples:
  npx proxyless status users
  npx proxyless status users --consul 10.0.0.5:8500 --watch
  npx proxyless status users --json | jq '.instances[] | select(.routed | not)'
`;
