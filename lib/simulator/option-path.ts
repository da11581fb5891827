import { InvalidOptionError } from '../errors/invalid-option-error.js';

/**
 * Runs an option check written for a top-level option (`retry.attempts`) on one nested deeper in a
 * scenario (`candidates.linkerd.retry.attempts`): an `InvalidOptionError` it raises is raised again with
 * the full path, so the message points at the very key to fix.
 */
export function atOptionPath<T>(path: string, check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (!(error instanceof InvalidOptionError) || path === '') throw error;
    const lead = `proxyless: option \`${error.option}\` `;
    const problem = error.message.startsWith(lead) ? error.message.slice(lead.length) : error.message;
    // The message names its option's neighbours (`retry.attempts`) by the same short paths: lengthen them too.
    const root = error.option.split('.')[0] ?? error.option;
    const lengthened = problem.replace(new RegExp(`\`(${root.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')})(?=[.\`])`, 'g'), `\`${path}.$1`);
    throw new InvalidOptionError(`${path}.${error.option}`, lengthened);
  }
}
