// The VT420/VT510 editing set: DECSCA with DECSED/DECSEL/DECSERA, DECIC/DECDC, the
// rectangular area operations (DECFRA, DECERA, DECSERA, DECCRA, DECCARA, DECRARA, DECSACE)
// and XTVERSION. Expected screens follow the VT510 manual (the rectangle operations, which
// xterm.js lacks) or xterm.js (the rest, also compared in tests/conformance).
import test from 'node:test';
import assert from 'node:assert/strict';
import { Emulator } from '../../web/ansiterm-core.js';

const CSI = '\x1b[';

function term(cols = 10, rows = 4) {
  const replies = [];
  const emu = new Emulator({ cols, rows, onReply: (r) => replies.push(r) });
  emu.replies = replies;
  return emu;
}
function rows(emu) { return emu.dumpScreen().text; }
function cell(emu, y, x) { return emu.dumpScreen().cells[y][x]; }
// Fills every row with its letter and digits: row 0 "A123456789"-like pattern by column.
function grid(emu) {
  for (let y = 0; y < emu.rows; y++) {
    emu.write(`${CSI}${y + 1};1H` + String.fromCharCode(65 + y) + '123456789'.slice(0, emu.cols - 1));
  }
  emu.write(`${CSI}H`);
}

test('DECSCA protects from DECSEL and DECSED but not from EL, ED or ECH', () => {
  const emu = term(10, 3);
  emu.write(`ab${CSI}1"qCD${CSI}0"qef\r\nxy${CSI}2"qz`);
  emu.write(`${CSI}1;1H${CSI}?2K`);
  assert.deepEqual(rows(emu)[0], '  CD');
  emu.write(`${CSI}?2J`);
  assert.deepEqual(rows(emu), ['  CD', '', '']);
  emu.write(`${CSI}1;1H${CSI}2K`);
  assert.equal(rows(emu)[0], '');
  emu.write(`${CSI}1"qPP${CSI}1;1H${CSI}X${CSI}0"q`);
  assert.equal(rows(emu)[0], ' P');
});

test('protection is not an attribute in the dump; SGR 0, DECSTR and RIS end it', () => {
  const emu = term(10, 2);
  emu.write(`${CSI}1"qA${CSI}0mB${CSI}1"q${CSI}!pC${CSI}1"q\x1bcD`);
  assert.deepEqual(cell(emu, 0, 0), ['D', 1, null, null, '']);
  const emu2 = term(10, 2);
  emu2.write(`${CSI}1"qA${CSI}0mB${CSI}1;1H${CSI}?K`);
  assert.equal(rows(emu2)[0], 'A');
  assert.deepEqual(cell(emu2, 0, 0), ['A', 1, null, null, '']);
});

test('DECSEL keeps both halves of a protected wide character', () => {
  const emu = term(10, 1);
  emu.write(`${CSI}1"q\u4e2d${CSI}0"qxyz${CSI}1;2H${CSI}?K`);
  assert.equal(rows(emu)[0], '\u4e2d');
});

test('DECIC and DECDC shift columns of the scroll region only', () => {
  const emu = term(6, 4);
  grid(emu);
  emu.write(`${CSI}2;3r${CSI}2;3H${CSI}2'}`);
  assert.deepEqual(rows(emu), ['A12345', 'B1  23', 'C1  23', 'D12345']);
  emu.write(`${CSI}3'~`);
  assert.deepEqual(rows(emu), ['A12345', 'B13', 'C13', 'D12345']);
  emu.write(`${CSI}4;1H${CSI}'}`);                       // outside the region: nothing
  assert.equal(rows(emu)[3], 'D12345');
});

test('DECIC uses the current background for the new columns', () => {
  const emu = term(4, 1);
  emu.write(`abcd${CSI}1;2H${CSI}44m${CSI}'}`);
  assert.equal(rows(emu)[0], 'a bc');
  assert.deepEqual(cell(emu, 0, 1), ['', 1, null, 4, '']);
});

test('DECFRA fills a rectangle with a character in the current rendition', () => {
  const emu = term(6, 4);
  grid(emu);
  emu.write(`${CSI}1;31m${CSI}42;2;3;3;5$x`);
  assert.deepEqual(rows(emu), ['A12345', 'B1***5', 'C1***5', 'D12345']);
  assert.deepEqual(cell(emu, 1, 2), ['*', 1, 1, null, 'b']);
  emu.write(`${CSI}0m${CSI}35;3;1;9;99$x`);               // clipped to the screen
  assert.deepEqual(rows(emu), ['A12345', 'B1***5', '######', '######']);
  emu.write(`${CSI}7;1;1;1;1$x${CSI}33;4;4;1;1$x`);       // no control chars, empty rectangles
  assert.deepEqual(rows(emu), ['A12345', 'B1***5', '######', '######']);
  emu.write(`\x1b(0${CSI}113;1;1;1;6$x`);                  // through the GL charset: q is a line
  assert.equal(rows(emu)[0], '\u2500'.repeat(6));
  assert.deepEqual(emu.cursor, { x: 0, y: 0, visible: true, pendingWrap: false });
});

test('DECERA erases a rectangle, DECSERA spares protected cells', () => {
  const emu = term(6, 3);
  emu.write(`ab${CSI}1"qcd${CSI}0"qef\r\nghijkl\r\nmnopqr`);
  emu.write(`${CSI}1;2;2;5$z`);
  assert.deepEqual(rows(emu), ['a    f', 'g    l', 'mnopqr']);
  emu.write(`${CSI}1;1H${CSI}1"qcd${CSI}0"q${CSI}$${'{'}`);
  assert.deepEqual(rows(emu), ['cd', '', '']);
  emu.write(`${CSI}41m${CSI}$z`);
  assert.deepEqual(cell(emu, 0, 0), ['', 1, null, 1, '']);
});

test('rectangles in origin mode are relative to and clipped by the scroll region', () => {
  const emu = term(4, 5);
  emu.write(`${CSI}2;3r${CSI}?6h${CSI}43;1;1;9;2$x`);
  assert.deepEqual(rows(emu), ['', '++', '++', '', '']);
});

test('DECCRA copies a rectangle, overlapping copies read the source first', () => {
  const emu = term(6, 4);
  grid(emu);
  emu.write(`${CSI}1;1;2;3;1;3;4;1$v`);
  assert.deepEqual(rows(emu), ['A12345', 'B12345', 'C12A12', 'D12B12']);
  emu.write(`${CSI}1;1;1;6;1;1;2;1$v`);                    // overlap, shifted right, clipped
  assert.deepEqual(rows(emu), ['AA1234', 'B12345', 'C12A12', 'D12B12']);
  emu.write(`${CSI}41m\x1b[4;1H${CSI}0m`);
  emu.write(`${CSI}3;1;3;6;1;4;1;1$v`);
  assert.deepEqual(rows(emu)[3], 'C12A12');
});

test('DECCRA keeps attributes and combining marks, and never splits a wide char', () => {
  const emu = term(6, 2);
  emu.write(`${CSI}4me\u0301${CSI}0m\u4e2dx`);
  emu.write(`${CSI}1;1;1;2;1;2;1;1$v`);                    // "e\u0301" + left half of 中
  assert.deepEqual(cell(emu, 1, 0), ['e\u0301', 1, null, null, 'u']);
  assert.deepEqual(cell(emu, 1, 1), ['', 1, null, null, '']);
  emu.write(`${CSI}1;2;1;3;1;2;5;1$v`);
  assert.deepEqual(cell(emu, 1, 4), ['\u4e2d', 2, null, null, '']);
  assert.deepEqual(cell(emu, 1, 5), ['', 0, null, null, '']);
});

test('DECCARA sets and clears attributes, as a stream by default and as a rectangle after DECSACE 2', () => {
  const emu = term(4, 3);
  grid(emu);
  emu.write(`${CSI}1;3;2;2;1;4$r`);
  const flags = (y) => emu.dumpScreen().cells[y].map((c) => c[4]).join(',');
  assert.equal(flags(0), ',,bu,bu');
  assert.equal(flags(1), 'bu,bu,,');
  emu.write(`${CSI}1;1;2;4;24$r`);
  assert.equal(flags(0), ',,b,b');
  emu.write(`${CSI}2*x${CSI}1;2;3;3;7;8$r`);
  assert.equal(flags(2), ',rh,rh,');
  assert.equal(flags(1), 'b,brh,rh,');
  emu.write(`${CSI}1;1;3;4;0$r`);
  assert.equal(flags(1), ',h,h,');
  emu.write(`${CSI}0*x${CSI}3;1;3;4;5$r`);
  assert.equal(flags(2), 'k,kh,kh,k');
});

test('DECRARA reverses attributes; 0 reverses bold, underline, blink and inverse', () => {
  const emu = term(4, 1);
  emu.write(`${CSI}1mab${CSI}0mcd`);
  emu.write(`${CSI}1;1;1;4;1$t`);
  const flags = () => emu.dumpScreen().cells[0].map((c) => c[4]).join(',');
  assert.equal(flags(), ',,b,b');
  emu.write(`${CSI}1;2;1;3$t`);
  assert.equal(flags(), ',burk,urk,b');
  emu.write(`${CSI}1;1;1;4;22$t`);                        // off-numbers are not reversible
  assert.equal(flags(), ',burk,urk,b');
});

test('XTVERSION replies with the name in a DCS string; other parameters get nothing', () => {
  const emu = term();
  emu.write(`${CSI}>q${CSI}>0q${CSI}>1q`);
  assert.deepEqual(emu.replies, ['\x1bP>|AnsiTerm(xwterm)\x1b\\', '\x1bP>|AnsiTerm(xwterm)\x1b\\']);
});

test('the editing set is the same fed in one write or byte by byte', () => {
  const stream = `abc${CSI}1"qdef${CSI}0"q\r\n\u4e2d\u6587xyz${CSI}2;1H${CSI}2'}${CSI}1;1;2;6;1;1;3$r`
    + `${CSI}?1;2J${CSI}88;2;2;2;3$x${CSI}1;1;1;3;1;2;4;1$v${CSI}2;1;2;2$z${CSI}'~`;
  const whole = term(8, 3);
  whole.write(stream);
  const bytes = new TextEncoder().encode(stream);
  const split = term(8, 3);
  for (const b of bytes) split.write(new Uint8Array([b]));
  assert.deepEqual(split.dumpScreen(), whole.dumpScreen());
});
