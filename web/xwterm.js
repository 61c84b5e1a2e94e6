// xwterm.js — the entry point of AnsiTerm, the browser terminal of xwterm, and its drivers.
// Plain ES modules, no dependencies, no build step: the emulator is in ./core/ (no DOM), the
// widget in ./term/, the communication drivers in ./drivers/ (docs/architecture-web.md).
import { Emulator } from './ansiterm-core.js';
import { AnsiTerm } from './term/ansiterm.js';
import { AnsiTermDriver } from './drivers/base.js';
import { AnsiTermHttpDriver } from './drivers/http.js';
import { AnsiTermWebSocketDriver } from './drivers/websocket.js';

export { Emulator, AnsiTerm, AnsiTermDriver, AnsiTermHttpDriver, AnsiTermWebSocketDriver };
export { ANSITERM_DEFAULTS, VERSION } from './term/defaults.js';
export { encodeKeyEvent } from './term/keys.js';
