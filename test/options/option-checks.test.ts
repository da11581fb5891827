import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { InvalidOptionError } from '../../lib/errors/invalid-option-error.js';
import { didYouMean } from '../../lib/options/did-you-mean.js';
import { maxTimerMs, milliseconds, oneOf, rejectUnknownKeys } from '../../lib/options/option-checks.js';

describe('did you mean', () => {
  it('suggests the known name one or two edits away', () => {
    assert.equal(didYouMean('tokn', ['host', 'port', 'token']), 'token');
    assert.equal(didYouMean('attemptTimeoutMS', ['attempts', 'attemptTimeoutMs']), 'attemptTimeoutMs');
    assert.equal(didYouMean('prot', ['host', 'port']), 'port');
  });

  it('suggests nothing for a name that is not close to any', () => {
    assert.equal(didYouMean('foo', ['capacity', 'timeout']), undefined);
    assert.equal(didYouMean('ttl', ['tls']), undefined);
  });

  it('always suggests a known name, and a known name suggests itself', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ minLength: 1, maxLength: 12 }), { minLength: 1, maxLength: 8 }), fc.string({ maxLength: 12 }), (known, name) => {
        const suggestion = didYouMean(name, known);
        if (suggestion !== undefined) assert.ok(known.includes(suggestion));
        if (known.includes(name) && name.length >= 1) {
          const self = didYouMean(name, known);
          assert.ok(self !== undefined && self.toLowerCase() === name.toLowerCase());
        }
      }),
    );
  });
});

describe('unknown option keys', () => {
  it('names the full path, the likely intent and every valid key', () => {
    assert.throws(
      () => rejectUnknownKeys('consul', { host: 'a', tokn: 'secret' }, ['host', 'port', 'token']),
      (error: unknown) =>
        error instanceof InvalidOptionError &&
        error.option === 'consul.tokn' &&
        error.message.includes('did you mean `consul.token`?') &&
        error.message.includes('host, port, token') &&
        !error.message.includes('secret'),
    );
  });

  it('accepts an object of known keys only', () => {
    assert.doesNotThrow(() => rejectUnknownKeys('', { service: 'users' }, ['service', 'consul']));
  });
});

describe('milliseconds', () => {
  it("refuses a delay longer than Node's timers hold instead of letting it fire after 1 ms", () => {
    assert.throws(() => milliseconds('retry.attemptTimeoutMs', maxTimerMs + 1), /retry\.attemptTimeoutMs.*2147483647/);
    assert.equal(milliseconds('x', maxTimerMs), maxTimerMs);
  });

  it('takes false for "none" only where allowed', () => {
    assert.equal(milliseconds('deadlineMs', false, { allowFalse: true }), false);
    assert.throws(() => milliseconds('deadlineMs', false), InvalidOptionError);
    assert.throws(() => milliseconds('x', Number.NaN), /got NaN/);
    assert.throws(() => milliseconds('x', 0), /from 1/);
    assert.equal(milliseconds('x', 0, { min: 0 }), 0);
  });
});

describe('one of', () => {
  it('suggests the allowed value a typo was meant to be', () => {
    assert.throws(() => oneOf('transport', 'undic', ['axios', 'undici']), /did you mean 'undici'/);
    assert.equal(oneOf('transport', 'axios', ['axios', 'undici']), 'axios');
  });
});
