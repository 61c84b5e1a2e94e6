// Unit tests of the AnsiTerm core (web/ansiterm-core.js): node --test tests/js/
import test from 'node:test';
import assert from 'node:assert/strict';
import {
  Emulator, FLAGS, DEFAULT_COLOR, isTrueColor, trueColorRGB, PALETTE256, charWidth,
} from '../../web/ansiterm-core.js';

const ESC = '\x1b';
const CSI = ESC + '[';

function term(cols = 20, rows = 5, options = {}) {
  return new Emulator({ cols, rows, ...options });
}

function text(emu, y) { return emu.dumpScreen().text[y]; }
function cell(emu, y, x) { return emu.dumpScreen().cells[y][x]; }

test('printable text lands in cells and moves the cursor', () => {
  const emu = term();
  emu.write('hello');
  assert.equal(text(emu, 0), 'hello');
  assert.deepEqual(emu.cursor, { x: 5, y: 0, visible: true, pendingWrap: false });
  assert.deepEqual(cell(emu, 0, 0), ['h', 1, null, null, '']);
  assert.deepEqual(cell(emu, 0, 5), ['', 1, null, null, '']);
});

test('write accepts strings and UTF-8 bytes alike', () => {
  const a = term(), b = term();
  a.write('añ中😀');
  b.write(new TextEncoder().encode('añ中😀'));
  assert.deepEqual(a.dumpScreen(), b.dumpScreen());
});

test('escape sequences and UTF-8 split across writes are carried over', () => {
  const bytes = new TextEncoder().encode(`${CSI}1;31mred${CSI}0m é中😀 ${ESC}]2;title\x07x`);
  const whole = term();
  whole.write(bytes);
  for (let size = 1; size <= 7; size++) {
    const split = term();
    for (let i = 0; i < bytes.length; i += size) split.write(bytes.subarray(i, i + size));
    assert.deepEqual(split.dumpScreen(), whole.dumpScreen(), `chunks of ${size}`);
  }
  assert.equal(whole.title, 'title');
  assert.deepEqual(cell(whole, 0, 0), ['r', 1, 1, null, 'b']);
});

test('deferred wrap: the last column holds the cursor until the next character', () => {
  const emu = term(10, 3);
  emu.write('0123456789');
  assert.deepEqual(emu.cursor, { x: 9, y: 0, visible: true, pendingWrap: true });
  emu.write('a');
  assert.equal(text(emu, 1), 'a');
  assert.equal(emu.getRow(1).wrapped, true);
  emu.write('\r\n');
  assert.equal(emu.getRow(2).wrapped, false);
});

test('wide characters take two cells and wrap as a whole', () => {
  const emu = term(5, 3);
  emu.write('ab中文');
  assert.deepEqual(cell(emu, 0, 2), ['中', 2, null, null, '']);
  assert.deepEqual(cell(emu, 0, 3), ['', 0, null, null, '']);
  assert.equal(text(emu, 1), '文');
  assert.equal(emu.getRow(0).width(2), 2);
  assert.equal(emu.getRow(0).width(3), 0);
  assert.equal(charWidth(0x1f600), 2);
  assert.equal(charWidth(0x301), 0);
  assert.equal(charWidth(0x41), 1);
});

test('combining marks join the previous cell', () => {
  const emu = term();
  emu.write('e\u0301x');
  assert.deepEqual(cell(emu, 0, 0), ['e\u0301', 1, null, null, '']);
  assert.equal(emu.getRow(0).text(0), 'e\u0301');
  assert.equal(emu.cursor.x, 2);
});

test('SGR: colours, truecolor, colon forms and flags', () => {
  const emu = term();
  emu.write(`${CSI}1;3;4;7;9;53;38;5;196;48;2;1;2;3mA${CSI}0;2;5;8;92;104mB${CSI}0;38:2::10:20:30;48:5:17mC`);
  assert.deepEqual(cell(emu, 0, 0), ['A', 1, 196, '#010203', 'biurso']);
  assert.deepEqual(cell(emu, 0, 1), ['B', 1, 10, 12, 'dkh']);
  assert.deepEqual(cell(emu, 0, 2), ['C', 1, '#0a141e', 17, '']);
  const row = emu.getRow(0);
  assert.equal(row.fg(0), 196);
  assert.ok(isTrueColor(row.bg(0)));
  assert.deepEqual(trueColorRGB(row.bg(0)), [1, 2, 3]);
  assert.equal(row.flags(0), FLAGS.BOLD | FLAGS.ITALIC | FLAGS.UNDERLINE | FLAGS.INVERSE | FLAGS.STRIKE | FLAGS.OVERLINE);
  assert.equal(row.fg(5), DEFAULT_COLOR);
  assert.equal(PALETTE256[196], '#ff0000');
  assert.equal(PALETTE256[244], '#808080');
});

test('erasing uses the current background (BCE) and nothing else', () => {
  const emu = term(10, 3);
  emu.write(`abc${CSI}1;44m${CSI}2K`);
  assert.deepEqual(cell(emu, 0, 0), ['', 1, null, 4, '']);
  emu.write(`${CSI}2J`);
  assert.deepEqual(cell(emu, 2, 9), ['', 1, null, 4, '']);
});

test('cursor movement, CUP and tab stops', () => {
  const emu = term(40, 10);
  emu.write(`${CSI}5;10H`);
  assert.deepEqual([emu.cursor.x, emu.cursor.y], [9, 4]);
  emu.write(`${CSI}2A${CSI}3D`);
  assert.deepEqual([emu.cursor.x, emu.cursor.y], [6, 2]);
  emu.write('\r\t');
  assert.equal(emu.cursor.x, 8);
  emu.write(`${CSI}3g${ESC}[1;5H${ESC}H\r\t`);
  assert.equal(emu.cursor.x, 4);
});

test('scroll region, IL/DL and SU/SD move only the region', () => {
  const emu = term(5, 5);
  emu.write('0\r\n1\r\n2\r\n3\r\n4');
  emu.write(`${CSI}2;4r${CSI}2;1H${CSI}L`);
  assert.deepEqual(emu.dumpScreen().text, ['0', '', '1', '2', '4']);
  emu.write(`${CSI}2M`);
  assert.deepEqual(emu.dumpScreen().text, ['0', '2', '', '', '4']);
  emu.write(`${CSI}r${CSI}S`);
  assert.deepEqual(emu.dumpScreen().text, ['2', '', '', '4', '']);
});

test('insert mode, ICH, DCH, ECH and REP edit the line', () => {
  const emu = term(10, 2);
  emu.write(`abcdef\r${CSI}4hXY${CSI}4l`);
  assert.equal(text(emu, 0), 'XYabcdef');
  emu.write(`\r${CSI}2P`);
  assert.equal(text(emu, 0), 'abcdef');
  emu.write(`${CSI}2@`);
  assert.equal(text(emu, 0), '  abcdef');
  emu.write(`${CSI}3C${CSI}2X`);
  assert.equal(text(emu, 0), '  a  def');
  emu.write(`\r\nz${CSI}3b`);
  assert.equal(text(emu, 1), 'zzzz');
});

test('scrollback keeps historySize rows, oldest first, and ED 3 clears it', () => {
  const emu = term(10, 3, { historySize: 5 });
  for (let i = 0; i < 10; i++) emu.write(`line${i}\r\n`);
  assert.equal(emu.scrollbackLength, 5);
  assert.equal(emu.getRow(-5).text(4), '3');
  assert.equal(emu.getRow(-1).text(4), '7');
  assert.equal(emu.getRow(0).text(4), '8');
  emu.write(`${CSI}3J`);
  assert.equal(emu.scrollbackLength, 0);
  assert.equal(text(emu, 0), 'line8');
});

test('alternate screen: separate, no scrollback, cursor saved by 1049', () => {
  const emu = term(10, 3);
  emu.write(`main\r\n\r\n\r\nx${CSI}2;3H`);
  assert.equal(emu.scrollbackLength, 1);
  emu.write(`${CSI}?1049h`);
  assert.equal(emu.altScreen, true);
  assert.equal(emu.scrollbackLength, 0);
  assert.equal(text(emu, 0), '');
  emu.write(`${CSI}1;1Halt`);
  emu.write(`${CSI}?1049l`);
  assert.equal(emu.altScreen, false);
  assert.deepEqual([emu.cursor.x, emu.cursor.y], [2, 1]);
  assert.equal(emu.dumpScreen().altScreen, false);
});

test('DECSC/DECRC restore position, attributes and charset', () => {
  const emu = term();
  emu.write(`${CSI}31m${ESC}(0${CSI}3;4H${ESC}7${CSI}0m${ESC}(B${CSI}H${ESC}8q`);
  assert.deepEqual(cell(emu, 2, 3), ['\u2500', 1, 1, null, '']);
});

test('DEC line drawing through G0 and through G1 with SO/SI', () => {
  const emu = term();
  emu.write(`${ESC}(0lqk${ESC}(B ${ESC})0\x0eqx\x0fq`);
  assert.equal(text(emu, 0), '\u250c\u2500\u2510 \u2500\u2502q');
});

test('replies to DA1, DA2 and DSR go to onReply', () => {
  const replies = [];
  const emu = term(20, 5, { onReply: (s) => replies.push(s) });
  emu.write(`${CSI}c${CSI}>c${CSI}5n${CSI}3;7H${CSI}6n`);
  assert.deepEqual(replies, [`${CSI}?1;2c`, `${CSI}>0;276;0c`, `${CSI}0n`, `${CSI}3;7R`]);
});

test('DECRQM and DECXCPR answer what the modes are', () => {
  const replies = [];
  const emu = term(20, 5, { onReply: (s) => replies.push(s) });
  emu.write(`${CSI}?2004h${CSI}4h${CSI}?2004$p${CSI}?1$p${CSI}4$p${CSI}?9999$p${CSI}2;3H${CSI}?6n`);
  assert.deepEqual(replies, [`${CSI}?2004;1$y`, `${CSI}?1;2$y`, `${CSI}4;1$y`, `${CSI}?9999;0$y`, `${CSI}?2;3R`]);
});

test('title and bell callbacks', () => {
  const titles = [];
  let bells = 0;
  const emu = term(20, 5, { onTitle: (t) => titles.push(t), onBell: () => bells++ });
  emu.write(`${ESC}]0;one\x07${ESC}]2;two${ESC}\\${ESC}]1;icon\x07\x07`);
  assert.deepEqual(titles, ['one', 'two']);
  assert.equal(emu.title, 'two');
  assert.equal(bells, 1);
});

test('modes the input layer reads', () => {
  const emu = term();
  emu.write(`${CSI}?1h${ESC}=${CSI}?2004h${CSI}?1002h${CSI}?1006h${CSI}?1004h${CSI}?25l${CSI}20h`);
  assert.deepEqual(emu.modes, {
    applicationCursor: true, applicationKeypad: true, bracketedPaste: true,
    mouseTracking: 1002, mouseSgr: true, focusEvents: true, reverseVideo: false,
    insert: false, newline: true, origin: false, autowrap: true,
  });
  assert.equal(emu.cursor.visible, false);
  emu.write(`${CSI}?1002l${ESC}>`);
  assert.equal(emu.modes.mouseTracking, 0);
  assert.equal(emu.modes.applicationKeypad, false);
});

test('unknown sequences and strings are consumed without printing', () => {
  const emu = term();
  emu.write(`a${ESC}P1$qm${ESC}\\b${ESC}_apc${ESC}\\c${ESC}^pm${ESC}\\d${ESC}Xsos${ESC}\\e${CSI}>4;2mf${CSI}?9999hg${ESC}]777;x\x07h`);
  assert.equal(text(emu, 0), 'abcdefgh');
  assert.deepEqual(cell(emu, 0, 5), ['f', 1, null, null, '']);
});

test('takeDamage reports changed rows, scrolling and full redraws', () => {
  const emu = term(10, 4);
  assert.equal(emu.takeDamage().full, true);
  emu.write(`${CSI}3;1Hx`);
  let damage = emu.takeDamage();
  assert.equal(damage.full, false);
  assert.deepEqual([...damage.rows], [0, 2]);    // the row the cursor left, the row written
  assert.equal(damage.scrolled, 0);
  emu.write(`${CSI}4;1H\n\n`);
  damage = emu.takeDamage();
  assert.equal(damage.scrolled, 2);
  assert.ok([...damage.rows].includes(3));
  emu.write(`${CSI}?1049h`);
  assert.equal(emu.takeDamage().full, true);
  assert.deepEqual([...emu.takeDamage().rows], []);
});

test('resize keeps the text and the cursor row in view', () => {
  const emu = term(10, 4);
  emu.write('a\r\nb\r\nc\r\nd');
  emu.resize(6, 2);
  assert.equal(emu.cols, 6);
  assert.deepEqual(emu.dumpScreen().text, ['c', 'd']);
  assert.equal(emu.cursor.y, 1);
  assert.equal(emu.scrollbackLength, 2);
  emu.resize(12, 4);
  assert.deepEqual(emu.dumpScreen().text, ['a', 'b', 'c', 'd']);
  assert.equal(emu.dumpScreen().cells[0].length, 12);
});

test('RIS resets the screen but keeps the callbacks', () => {
  const replies = [];
  const emu = term(10, 3, { onReply: (s) => replies.push(s) });
  emu.write(`${CSI}31mhello${CSI}?1049h${ESC}c${CSI}5n`);
  assert.equal(emu.altScreen, false);
  assert.equal(text(emu, 0), '');
  assert.deepEqual(replies, [`${CSI}0n`]);
  emu.reset();
  assert.deepEqual(emu.cursor, { x: 0, y: 0, visible: true, pendingWrap: false });
});

test('dumpScreen follows ansiterm-screen-v1', () => {
  const emu = term(4, 2);
  emu.write(`${ESC}]2;t\x07ab`);
  const dump = emu.dumpScreen();
  assert.equal(dump.format, 'ansiterm-screen-v1');
  assert.deepEqual([dump.cols, dump.rows], [4, 2]);
  assert.deepEqual(dump.cursor, { row: 0, col: 2, visible: true, pendingWrap: false });
  assert.equal(dump.altScreen, false);
  assert.equal(dump.title, 't');
  assert.deepEqual(dump.text, ['ab', '']);
  assert.equal(dump.cells.length, 2);
  assert.equal(dump.cells[1].length, 4);
});

test('throughput: 1 MB of mixed output takes well under 2 s of CPU', () => {
  // A guard against pathological slowness (the core does ~50-100 MB/s), measured in CPU
  // time so that a busy machine does not make it fail.
  const emu = term(80, 24);
  const chunk = `plain text line ${CSI}1;32mgreen${CSI}0m ${CSI}38;5;208morange${CSI}m 中文字符 ${CSI}12;40H*\r\n`;
  const data = new TextEncoder().encode(chunk.repeat(Math.ceil(1e6 / chunk.length)));
  const start = process.cpuUsage();
  emu.write(data);
  const used = process.cpuUsage(start);
  assert.ok((used.user + used.system) / 1000 < 2000);
});

test('random writes and resizes keep the screen consistent', () => {
  let seed = 5;
  const rnd = (n) => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
  const pieces = ['hello world ', '中文字', 'e\u0301', '\r\n', '\n', `${CSI}?1049h`, `${CSI}?1049l`, `${CSI}2J`,
    `${CSI}3J`, `${CSI}5;10r`, `${CSI}r`, `${CSI}10;5H`, `${CSI}L`, `${CSI}M`, `${ESC}M`, `${ESC}7`, `${ESC}8`,
    'x'.repeat(200), `${CSI}44m`, `${CSI}0m`, `${ESC}c`];
  for (let t = 0; t < 300; t++) {
    const emu = new Emulator({ cols: 2 + rnd(100), rows: 1 + rnd(40), historySize: rnd(50) });
    for (let k = 0; k < 40; k++) {
      if (rnd(4) === 0) emu.resize(2 + rnd(100), 1 + rnd(40));
      else emu.write(pieces[rnd(pieces.length)]);
      const dump = emu.dumpScreen();
      assert.equal(dump.cells.length, emu.rows);
      assert.ok(dump.cells.every((row) => row.length === emu.cols));
      assert.ok(emu.cursor.x < emu.cols && emu.cursor.y < emu.rows);
      for (let y = -emu.scrollbackLength; y < 0; y++) assert.equal(typeof emu.getRow(y).text(0), 'string');
    }
  }
});

test('onOsc receives the OSC sequences the core does not handle, whole across writes', () => {
  const seen = [];
  const titles = [];
  const emu = term(20, 5, { onOsc: (id, payload) => seen.push([id, payload]), onTitle: (t) => titles.push(t) });
  emu.write(`${ESC}]7799;download;L3Rt`);
  emu.write(`cC9ub3Rlcy50eHQ=\x07a${ESC}]2;title${ESC}\\b${ESC}]52;c;aGk=\x07`);
  assert.deepEqual(seen, [[7799, 'download;L3RtcC9ub3Rlcy50eHQ='], [52, 'c;aGk=']]);
  assert.deepEqual(titles, ['title']);
  assert.equal(text(emu, 0), 'ab');
});

test('without onOsc, unknown OSC sequences are skipped as before', () => {
  const emu = term();
  emu.write(`x${ESC}]7799;download;AAAA\x07y`);
  assert.equal(text(emu, 0), 'xy');
});
