#!/usr/bin/env node
// Reference screens for the AnsiTerm conformance tests: feeds a byte stream to
// xterm.js's headless build (@xterm/headless + Unicode 11 widths) and prints the final
// screen as an ansiterm-screen-v1 JSON dump.
//
//   node tests/conformance/reference.mjs --cols 80 --rows 24 [--chunk 7] FILE
//   node tests/conformance/reference.mjs --batch < jobs.jsonl
//        each input line  {"id": "...", "path": "FILE", "cols": 80, "rows": 24, "chunk": 0}
//        each output line {"id": "...", "dump": {...}}
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import headless from '@xterm/headless';
import unicode11 from '@xterm/addon-unicode11';
import { dumpXterm, feed } from './xterm_dump.mjs';

const { Terminal } = headless;
const { Unicode11Addon } = unicode11;

// xterm.js throws from its own timers on a few pathological streams; such an exception
// fails the stream being processed (reported as {"id", "error"}), not the whole batch.
let failCurrent = null;
process.on('uncaughtException', (e) => {
  if (failCurrent) failCurrent(e);
  else { console.error(e); process.exit(1); }
});

export async function referenceDump(bytes, cols, rows, chunk) {
  const term = new Terminal({
    cols, rows,
    allowProposedApi: true,
    scrollback: 1000,
    convertEol: false,
    logLevel: 'off',
  });
  term.loadAddon(new Unicode11Addon());
  term.unicode.activeVersion = '11';
  let title = '';
  term.onTitleChange((t) => { title = t; });
  try {
    await new Promise((resolve, reject) => {
      failCurrent = reject;
      feed(term, bytes, chunk).then(resolve, reject);
    });
  } finally {
    failCurrent = null;
  }
  const dump = dumpXterm(term, title);
  term.dispose();
  return dump;
}

async function main(argv) {
  const opts = { cols: 80, rows: 24, chunk: 0, batch: false, file: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--cols') opts.cols = +argv[++i];
    else if (a === '--rows') opts.rows = +argv[++i];
    else if (a === '--chunk') opts.chunk = +argv[++i];
    else if (a === '--batch') opts.batch = true;
    else opts.file = a;
  }
  if (opts.batch) {
    const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
    for await (const line of rl) {
      if (!line.trim()) continue;
      const job = JSON.parse(line);
      const bytes = new Uint8Array(readFileSync(job.path));
      let rec;
      try {
        rec = { id: job.id, dump: await referenceDump(bytes, job.cols, job.rows, job.chunk || 0) };
      } catch (e) {
        rec = { id: job.id, error: 'xterm.js failed: ' + String(e && e.stack || e).slice(0, 500) };
      }
      process.stdout.write(JSON.stringify(rec) + '\n');
    }
    return;
  }
  if (!opts.file) {
    process.stderr.write('usage: reference.mjs --cols N --rows N [--chunk N] FILE | --batch\n');
    process.exit(2);
  }
  const bytes = new Uint8Array(readFileSync(opts.file));
  const dump = await referenceDump(bytes, opts.cols, opts.rows, opts.chunk);
  process.stdout.write(JSON.stringify(dump) + '\n');
}

main(process.argv.slice(2)).catch((e) => { console.error(e); process.exit(1); });
