// The shape of web/: the module graph has no cycles, the core (web/core/, web/ansiterm-core.js)
// imports nothing outside itself and touches no DOM, the drivers know nothing of the screen,
// and the core runs in node (no DOM here). node --test tests/js/
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const WEB = resolve(dirname(fileURLToPath(import.meta.url)), '../../web');
const ENTRY_POINTS = ['xwterm.js', 'ansiterm-core.js'].map((name) => join(WEB, name));
const DOM_NAMES = /\b(document|window|navigator|requestAnimationFrame|HTMLElement|localStorage)\b/;
const MAX_LINES = 600;

function webFiles(dir = WEB) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return webFiles(path);
    return path.endsWith('.js') ? [path] : [];
  });
}

// Comments out of the way, so that a word in a comment is not taken for code.
function code(path) {
  return readFileSync(path, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '')
    .replace(/\s\/\/ .*$/gm, '');
}

// The static imports and re-exports of a module, as absolute paths.
function importsOf(path) {
  const specifiers = [...code(path).matchAll(/^\s*(?:import|export)\s[^;]*?from\s+'([^']+)'|^\s*import\s+'([^']+)'/gm)]
    .map((match) => match[1] || match[2]);
  return specifiers.map((specifier) => {
    assert.ok(specifier.startsWith('.'), `${relative(WEB, path)} imports a package: ${specifier}`);
    return resolve(dirname(path), specifier);
  });
}

function graph() {
  const edges = new Map();
  const pending = [...ENTRY_POINTS];
  while (pending.length) {
    const path = pending.pop();
    if (edges.has(path)) continue;
    edges.set(path, importsOf(path));
    pending.push(...edges.get(path));
  }
  return edges;
}

const isCore = (path) => path.startsWith(join(WEB, 'core') + '/') || path === join(WEB, 'ansiterm-core.js');
const isDriver = (path) => path.startsWith(join(WEB, 'drivers') + '/');

test('every web/ module is reachable from the entry points and the graph has no cycle', () => {
  const edges = graph();
  assert.deepEqual(webFiles().filter((path) => !edges.has(path)).map((path) => relative(WEB, path)), []);
  const state = new Map();      // 1: on the current path, 2: done
  const visit = (path, trail) => {
    if (state.get(path) === 2) return;
    assert.notEqual(state.get(path), 1, `import cycle: ${[...trail, path].map((p) => relative(WEB, p)).join(' -> ')}`);
    state.set(path, 1);
    for (const next of edges.get(path)) visit(next, [...trail, path]);
    state.set(path, 2);
  };
  for (const entry of ENTRY_POINTS) visit(entry, []);
});

test('the core imports only core modules and names no DOM object', () => {
  for (const path of webFiles().filter(isCore)) {
    for (const target of importsOf(path)) {
      assert.ok(isCore(target), `${relative(WEB, path)} imports ${relative(WEB, target)}`);
    }
    assert.doesNotMatch(code(path), DOM_NAMES, `${relative(WEB, path)} uses the DOM`);
  }
});

test('the drivers import nothing of the core or the widget', () => {
  for (const path of webFiles().filter(isDriver)) {
    for (const target of importsOf(path)) {
      assert.ok(isDriver(target), `${relative(WEB, path)} imports ${relative(WEB, target)}`);
    }
  }
});

test(`every module is at most ${MAX_LINES} lines`, () => {
  for (const path of webFiles()) {
    const lines = readFileSync(path, 'utf8').split('\n').length;
    assert.ok(lines <= MAX_LINES, `${relative(WEB, path)} has ${lines} lines`);
  }
});

test('the core runs in node, where there is no DOM', async () => {
  assert.equal(typeof globalThis.document, 'undefined');
  const { Emulator } = await import('../../web/ansiterm-core.js');
  const emulator = new Emulator({ cols: 10, rows: 2 });
  emulator.write('\x1b[1mhi\x1b[0m 日本');
  const dump = emulator.dumpScreen();
  assert.equal(dump.format, 'ansiterm-screen-v1');
  assert.equal(dump.text[0], 'hi 日本');
  assert.equal(dump.cells[0][0][4], 'b');
});
