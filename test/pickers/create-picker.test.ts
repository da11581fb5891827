import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidOptionError } from '../../lib/errors/invalid-option-error.js';
import { createPicker, pickerNames } from '../../lib/pickers/create-picker.js';
import type { PickerName } from '../../lib/pickers/create-picker.js';
import { slowStart } from '../../lib/pickers/slow-start.js';
import { subset } from '../../lib/pickers/subset.js';

describe('createPicker', () => {
  test('builds every named picker, each carrying its name', () => {
    for (const name of pickerNames) {
      const picker = name === 'locality' ? createPicker('locality', { zone: 'eu-west-1a' }) : createPicker(name as 'random');
      assert.equal(picker.name, name);
    }
  });

  test('passes the options through to the picker', () => {
    assert.equal(createPicker('p2c-ewma', { decayMs: 10_000 }).name, 'p2c-ewma');
    assert.throws(() => createPicker('p2c-ewma', { decayMs: -1 }), { option: 'picker.decayMs' });
    assert.throws(() => createPicker('least-request', { activeRequestBias: Number.NaN }), {
      option: 'picker.activeRequestBias',
    });
  });

  test('rejects an unknown name, listing the valid ones and how locality takes its zone', () => {
    assert.throws(
      () => createPicker('fastest' as PickerName),
      (error: unknown) => {
        assert.ok(error instanceof InvalidOptionError);
        assert.equal(error.option, 'picker');
        for (const name of pickerNames) assert.ok(error.message.includes(`'${name}'`), error.message);
        assert.match(error.message, /createPicker\('locality', \{ zone: 'eu-west-1a' \}\)/);
        assert.doesNotMatch(error.message, /Picker object/);
        return true;
      },
    );
    assert.throws(() => createPicker('p2c-ewm' as PickerName), /did you mean 'p2c-ewma'\?/);
  });

  test('rejects locality without its options, asking for the zone', () => {
    assert.throws(() => (createPicker as (name: string) => unknown)('locality'), { option: 'zone' });
  });

  test('types each name’s options, so a misspelt option does not compile, and refuses it at run time too', () => {
    // @ts-expect-error `decay` is not an option of p2c-ewma (it is `decayMs`).
    assert.throws(() => createPicker('p2c-ewma', { decay: 5 }), InvalidOptionError);
    // @ts-expect-error `decayMs` belongs to p2c-ewma, not round-robin.
    assert.throws(() => createPicker('round-robin', { decayMs: 5 }), InvalidOptionError);
    // @ts-expect-error not a picker name.
    assert.throws(() => createPicker('fastest'));
    // @ts-expect-error locality needs the caller's zone.
    assert.throws(() => createPicker('locality'));
  });
});

test("a picker's misspelt option is an error naming the picker, the valid options and the likely intent", () => {
  assert.throws(() => createPicker('p2c-ewma', { decayMS: 5_000 } as never), /`p2c-ewma\.decayMS` is not an option of `p2c-ewma`; did you mean `p2c-ewma\.decayMs`\?/);
  assert.throws(() => createPicker('consistent-hash', { loadfactor: 2 } as never), /did you mean `consistent-hash\.loadFactor`/);
  assert.throws(() => slowStart(createPicker('random'), { window: 1_000 } as never), /did you mean `slowStart\.windowMs`|not an option of `slowStart`/);
  assert.throws(() => subset(createPicker('random'), { size: 2, clientID: 1 } as never), /did you mean `subset\.clientId`/);
});
