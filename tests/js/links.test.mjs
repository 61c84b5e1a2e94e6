// Links: the core's OSC 8 link table (linkAt) and the URL finder of web/term/links.js.
import test from 'node:test';
import assert from 'node:assert/strict';
import { Emulator } from '../../web/ansiterm-core.js';
import { findUrls, openableUri } from '../../web/term/links.js';

const link = (uri, text) => `\x1b]8;;${uri}\x1b\\${text}\x1b]8;;\x1b\\`;

test('OSC 8 links are kept per cell, across wide characters, wraps, edits and history', () => {
  const emu = new Emulator({ cols: 10, rows: 2, historySize: 10 });
  emu.write(`ab${link('https://a.example/', 'L\u4e2d')}cd`);
  assert.deepEqual([0, 1, 2, 3, 4, 5].map((x) => emu.linkAt(x, 0)),
    ['', '', 'https://a.example/', 'https://a.example/', 'https://a.example/', '']);
  assert.equal(emu.dumpScreen().text[0], 'abL\u4e2dcd');
  emu.write(`\x1b[1;1H\x1b[2@`);                       // ICH moves the link with its text
  assert.equal(emu.linkAt(4, 0), 'https://a.example/');
  assert.equal(emu.linkAt(2, 0), '');
  emu.write(`\x1b[1;5H\x1b[X`);                        // erased: no link
  assert.equal(emu.linkAt(4, 0), '');
  emu.write(`\x1b[2;9H${link('http://b.example/x', 'wrapped')}`);
  assert.equal(emu.linkAt(9, 0), 'http://b.example/x');  // scrolled: row 1 became row 0
  assert.equal(emu.linkAt(4, 1), 'http://b.example/x');
  assert.equal(emu.linkAt(5, 1), '');
  emu.write('\r\n\r\n');
  assert.equal(emu.linkAt(4, -1), 'http://b.example/x');   // in history
  assert.equal(emu.linkAt(0, -99), '');
  emu.write('\x1bc');
  assert.equal(emu.linkAt(4, -1), '');
});

test('after 255 distinct links the oldest id is reused and removed from its old cells', () => {
  const emu = new Emulator({ cols: 20, rows: 2, historySize: 0 });
  emu.write(link('https://first.example/', 'F'));
  for (let k = 1; k < 255; k++) emu.write(`\x1b[2;1H${link(`https://n${k}.example/`, 'x')}`);
  assert.equal(emu.linkAt(0, 0), 'https://first.example/');
  assert.equal(emu.linkAt(0, 1), 'https://n254.example/');
  emu.write(`\x1b[2;2H${link('https://new.example/', 'N')}`);
  assert.equal(emu.linkAt(0, 0), '');                    // its id now names another link
  assert.equal(emu.linkAt(1, 1), 'https://new.example/');
  emu.write(`\x1b[1;5H${link('https://n254.example/', 'again')}`);  // a known URI keeps its id
  assert.equal(emu.linkAt(0, 1), 'https://n254.example/');
});

test('linked text still compares equal to xterm.js: the link only underlines', () => {
  const emu = new Emulator({ cols: 10, rows: 1 });
  emu.write(link('https://a.example/', 'ab'));
  assert.deepEqual(emu.dumpScreen().cells[0][0], ['a', 1, null, null, 'u']);
});

test('only absolute http, https and mailto URIs may be opened', () => {
  assert.equal(openableUri('https://example.com/a?b#c'), 'https://example.com/a?b#c');
  assert.equal(openableUri('mailto:a@example.com'), 'mailto:a@example.com');
  for (const bad of ['javascript:alert(1)', 'JAVASCRIPT:alert(1)', 'data:text/html,x', 'file:///etc/passwd',
    '/relative', 'ftp://example.com/', '', 'x'.repeat(9000)]) {
    assert.equal(openableUri(bad), '', bad);
  }
});

test('URLs in text: trailing punctuation left out, brackets kept when they belong', () => {
  const urls = (text) => findUrls(text).map((u) => [u.start, u.end, u.uri]);
  assert.deepEqual(urls('see https://example.com/a. Or (http://x.example/b).'),
    [[4, 25, 'https://example.com/a'], [31, 49, 'http://x.example/b']]);
  assert.deepEqual(urls('wiki https://en.wikipedia.org/wiki/Tar_(computing), ok'),
    [[5, 50, 'https://en.wikipedia.org/wiki/Tar_(computing)']]);
  assert.deepEqual(urls('mail mailto:me@example.com!'), [[5, 26, 'mailto:me@example.com']]);
  assert.deepEqual(urls('"https://q.example/x"'), [[1, 20, 'https://q.example/x']]);
  assert.deepEqual(urls('no javascript:alert(1) nor file:///x nor www.example.com'), []);
});
