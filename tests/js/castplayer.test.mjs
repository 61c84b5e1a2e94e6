// Unit tests of asciicast v2 playback (web/term/castplayer.js): node --test tests/js/
import test from 'node:test';
import assert from 'node:assert/strict';
import { parseCast, parseResize, CastPlayer } from '../../web/term/castplayer.js';

const HEADER = JSON.stringify({ version: 2, width: 80, height: 24, timestamp: 1, command: 'sh' });
const CAST = [HEADER, '[0.0, "o", "a"]', '[0.02, "i", "typed"]', '[0.03, "r", "100x30"]',
  '[0.05, "o", "b"]', ''].join('\n');

test('parseCast reads the header and the events, and refuses what is not asciicast v2', () => {
  const cast = parseCast(CAST);
  assert.deepEqual([cast.width, cast.height, cast.command], [80, 24, 'sh']);
  assert.equal(cast.events.length, 4);
  assert.equal(cast.duration, 0.05);
  // the last line of a recording still being written may be cut short
  assert.equal(parseCast(`${HEADER}\n[0.1, "o", "x"]\n[0.2, "o", "cut sh`).events.length, 1);
  assert.throws(() => parseCast('{"version": 1, "width": 80, "height": 24}'), /version 2/);
  assert.throws(() => parseCast('not json'), /line 1/);
  assert.throws(() => parseCast(`${HEADER}\nnot json\n[0.1, "o", "x"]`), /line 2/);
  assert.throws(() => parseCast(`${HEADER}\n{"o": 1}\n`), /line 2 is not an event/);
  assert.deepEqual(parseResize('120x40'), { columns: 120, lines: 40 });
  assert.equal(parseResize('120 by 40'), null);
});

function play(cast, speed, before) {
  return new Promise((resolve) => {
    const seen = [];
    const player = new CastPlayer(cast, {
      write: (text) => seen.push(['o', text]),
      resize: (columns, lines) => seen.push(['r', columns, lines]),
      changed: () => { if (player.state === 'ended') resolve({ seen, player }); },
    });
    player.setSpeed(speed);
    if (before) before(player);
    player.play();
  });
}

test('a player hands over output and resizes in order, never input, and ends', async () => {
  const { seen, player } = await play(parseCast(CAST), 4);
  assert.deepEqual(seen, [['o', 'a'], ['r', 100, 30], ['o', 'b']]);
  assert.equal(player.position, 0.05);
});

test('pause holds the position; play goes on from there', async () => {
  const cast = parseCast(CAST);
  const seen = [];
  const player = new CastPlayer(cast, { write: (text) => seen.push(text), resize: () => {} });
  player.play();
  player.pause();
  assert.equal(player.state, 'paused');
  const held = player.position;
  await new Promise((resolve) => setTimeout(resolve, 80));
  assert.equal(player.position, held);
  assert.ok(!seen.includes('b'));
  await new Promise((resolve) => {
    player.callbacks.changed = () => { if (player.state === 'ended') resolve(); };
    player.play();
  });
  assert.deepEqual(seen, ['a', 'b']);
});
