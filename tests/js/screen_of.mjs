// Prints the ansiterm-screen-v1 dump of a byte stream fed to the AnsiTerm core (no DOM):
//   node tests/js/screen_of.mjs COLUMNS LINES FILE
// The session tests use it to compare what two clients of one session would show.
import { readFileSync } from 'node:fs';
import { Emulator } from '../../web/ansiterm-core.js';

const [cols, rows, file] = process.argv.slice(2);
const emulator = new Emulator({ cols: Number(cols), rows: Number(rows) });
emulator.write(new Uint8Array(readFileSync(file)));
process.stdout.write(JSON.stringify(emulator.dumpScreen()));
