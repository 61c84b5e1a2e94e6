// xwterm.js — the entry point of AnsiTerm, the browser terminal of xwterm, and its drivers.
// Plain ES modules, no dependencies, no build step: the emulator is in ./core/ (no DOM), the
// widget in ./term/, the communication drivers in ./drivers/ (docs/architecture-web.md).
//
// Pages written for the original AnsiTerm load it for its side effect and use globals:
//   import "./xwterm.js"; var ansi = new AnsiTerm();
// so the classes are also set on the global object; named imports work as well.
import { Emulator } from './ansiterm-core.js';
import { AnsiTerm } from './term/ansiterm.js';
import { AnsiTermDecoration } from './term/decorations.js';
import { AnsiTermDriver } from './drivers/base.js';
import { AnsiTermHttpDriver } from './drivers/http.js';
import { AnsiTermWebSocketDriver } from './drivers/websocket.js';

export { Emulator, AnsiTerm, AnsiTermDecoration, AnsiTermDriver, AnsiTermHttpDriver, AnsiTermWebSocketDriver };
export { ANSITERM_DEFAULTS, VERSION } from './term/defaults.js';
export { encodeKeyEvent } from './term/keys.js';
// The page's session controls (share links, reattach on reload) and file transfer.
export { SessionUi, takeAttachment, pageClientId, shareLink, loginAgainUrl } from './term/sessionui.js';
export { FileTransfer } from './term/transfer.js';
// Named themes and the font, from ?config and the page's query.
export { THEMES, appearanceParams } from './term/themes.js';
// Playback of asciicast v2 recordings (xwterm --record; web/recordings.html).
export { parseCast, parseResize, CastPlayer } from './term/castplayer.js';

Object.assign(globalThis, { AnsiTerm, AnsiTermDecoration, AnsiTermDriver, AnsiTermHttpDriver, AnsiTermWebSocketDriver });
