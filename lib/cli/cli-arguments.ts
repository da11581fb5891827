import { parseArgs } from 'node:util';

/** What `proxyless status …` was asked. */
export interface StatusArguments {
  readonly command: 'status';
  readonly service: string;
  /** `--consul`, as given; `undefined`: CONSUL_HTTP_ADDR, else 127.0.0.1:8500. */
  readonly consul: string | undefined;
  readonly watch: boolean;
  readonly json: boolean;
}

export type CliArguments = StatusArguments | { readonly command: 'help' };

/** A command line that cannot be run: the message says what was wrong. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Reads the command line (without `node` and the script). */
export function parseCliArguments(argv: readonly string[]): CliArguments {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        consul: { type: 'string' },
        watch: { type: 'boolean', short: 'w' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    // parseArgs's own messages name the flag ("Unknown option '--tag'"); keep them, minus their advice on `--`.
    throw new UsageError((error as Error).message.replace(/\. To specify a positional argument.*$/s, ''));
  }
  const { values, positionals } = parsed;
  if (values.help === true || positionals.length === 0 || positionals[0] === 'help') return { command: 'help' };
  const [command, service, ...extra] = positionals;
  if (command !== 'status') throw new UsageError(`unknown command "${command}"; the command is: status <service>`);
  if (service === undefined || service === '') throw new UsageError('status needs a service name: proxyless status <service>');
  if (extra.length > 0) throw new UsageError(`status takes one service; got also ${extra.map((e) => `"${e}"`).join(', ')}`);
  if (values.consul !== undefined && values.consul.trim() === '') throw new UsageError('--consul needs an address such as 127.0.0.1:8500');
  return { command: 'status', service, consul: values.consul, watch: values.watch === true, json: values.json === true };
}
