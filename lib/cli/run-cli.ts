import { parseCliArguments, UsageError } from './cli-arguments.js';
import { CliFailure } from './cli-failure.js';
import { helpText } from './help-text.js';
import { statusCommand, type Output } from './status-command.js';

/**
 * Runs `proxyless …` with `argv` (the arguments after the command's name) and returns the exit status.
 * A failure is one line on `stderr`: what went wrong and, where there is one, what to do.
 */
export async function runCli(argv: readonly string[], stdout: Output, stderr: Output, signal: AbortSignal): Promise<number> {
  try {
    const args = parseCliArguments(argv);
    if (args.command === 'help') {
      stdout.write(helpText);
      return 0;
    }
    await statusCommand(args, stdout, stderr, signal);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      stderr.write(`proxyless: ${error.message} (see proxyless --help)\n`);
      return 2;
    }
    if (error instanceof CliFailure) {
      stderr.write(`proxyless: ${error.message}\n`);
      return error.exitCode;
    }
    throw error;
  }
}
