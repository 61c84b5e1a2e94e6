import { DRIVER_DEFAULTS } from '../drivers/defaults.js';

export const VERSION = '0.1.0';

// xterm's default colours 0-15, used when the page gives no `palette`.
export const XTERM_PALETTE16 = [
  '#000000', '#cd0000', '#00cd00', '#cdcd00', '#0000ee', '#cd00cd', '#00cdcd', '#e5e5e5',
  '#7f7f7f', '#ff0000', '#00ff00', '#ffff00', '#5c5cff', '#ff00ff', '#00ffff', '#ffffff',
];

// Every parameter AnsiTerm accepts, with its default (the drivers' own are in ../drivers/defaults.js).
export const ANSITERM_DEFAULTS = {
  ...DRIVER_DEFAULTS,
  nLines: 25,
  nColumns: 80,
  historySize: 1000,
  autoFit: false,
  fontSize: 15,
  font: '"DejaVu Sans Mono", "Liberation Mono", Menlo, Consolas, "Courier New", monospace',
  statusFont: '12px system-ui, sans-serif',
  lineHeight: 1.2,
  containerId: '',
  canvasId: '',
  autocenter: false,
  palette: null,
  foreground: 'rgb(229,229,229)',
  background: 'rgb(0,0,0)',
  statusForegroundOk: 'rgb(0,32,0)',
  statusBackgroundOk: 'rgb(160,192,160)',
  statusForegroundKo: 'rgb(255,255,0)',
  statusBackgroundKo: 'rgb(192,64,64)',
  titleBackground: 'rgb(224,224,224)',
  titleForeground: 'rgb(0,0,128)',
  selectionBackground: 'rgb(255,192,192)',
  selectionForeground: 'rgb(0,0,0)',
  cursorColor: '',
  blinkIsBold: false,
  blinkPeriod: 500,
  cursorBlink: true,
  boldIsBright: true,
  titleText: 'ANSI Terminal',
  hasTitleBar: true,
  hasStatusBar: true,
  // On-screen keys under the terminal (Esc, Tab, sticky Ctrl/Alt, arrows...), and F1-F12 in them.
  hasSoftKeyboard: true,
  hasSoftFKeys: true,
  // The original AnsiTerm's bell: seconds, Hz, amplitude ratio from one sample to the next.
  bell_enabled: true,
  bell_duration: 0.5,
  bell_frequency: 1760,
  bell_decay: 0.9998,
  // false: the companion scrollbar class of the original's scrollbar.js, when the page loaded it.
  internalScrollbar: true,
  // Minimum interval between two size changes sent to the host.
  resizeMitigationTimeMS: 750,
  // Accepted for the original's pages; the cursor is always drawn with the frame it belongs to.
  cursorUpdateStyle: 'smart',
  // Characters of output held while frozen before the driver is asked to stop reading.
  freezeHoldLimit: 262144,
};
