// Unit tests of the drivers' pure helpers (web/drivers/common.js): node --test tests/js/
import test from 'node:test';
import assert from 'node:assert/strict';
import { describeEnd } from '../../web/drivers/common.js';

test('the end of a session reads as people say it', () => {
  assert.equal(describeEnd(3, 'exit 3'), 'exit 3');
  assert.equal(describeEnd(null, 'exit -9'), 'killed by signal 9');
  assert.equal(describeEnd(-15, ''), 'killed by signal 15');
  assert.equal(describeEnd(0, undefined), 'exit 0');
  assert.equal(describeEnd(null, 'session ended: killed'), 'killed');
  assert.equal(describeEnd(null, 'session ended: detach timeout'), 'detach timeout');
  assert.equal(describeEnd(null, 'no such session'), 'the server restarted');
  assert.equal(describeEnd(null, null), 'ended');
});
