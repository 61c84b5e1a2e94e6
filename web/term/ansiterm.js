// AnsiTerm: the terminal widget. This module builds the DOM, owns the emulator and the driver
// and holds the public API; the behaviour is written in one module per job (renderer, layout,
// scroll view, input, mouse, selection, clipboard, freeze, bell), whose methods are installed
// on AnsiTerm's prototype at the end of this file; the bars around the terminal are objects of
// their own (decorations.js, softkeys.js). See docs/architecture-web.md.
import { Emulator } from '../ansiterm-core.js';
import { installMethods } from '../core/mixin.js';
import { createDriver } from '../drivers/index.js';
import { ANSITERM_DEFAULTS, VERSION, XTERM_PALETTE16 } from './defaults.js';
import { injectStyle } from './styles.js';
import { RendererMethods } from './renderer.js';
import { LayoutMethods } from './layout.js';
import { ScrollViewMethods } from './scrollview.js';
import { InputMethods } from './input.js';
import { MouseMethods } from './mouse.js';
import { SelectionMethods } from './selection.js';
import { ClipboardMethods } from './clipboard.js';
import { FreezeMethods, FREEZE_USER, FREEZE_SELECTION, FREEZE_SCROLL } from './freeze.js';
import { TitleBar, StatusBar } from './decorations.js';
import { SoftKeys } from './softkeys.js';
import { BellMethods } from './bell.js';
import { LifecycleMethods } from './lifecycle.js';
import { LinkMethods } from './links.js';

export class AnsiTerm {
  constructor(params) {
    if (typeof params === 'string') params = { containerId: params };
    this.params = { ...ANSITERM_DEFAULTS, ...(params || {}) };
    injectStyle();

    this._titleCallbacks = [];
    this._statusCallbacks = [];
    this._resizeCallbacks = [];
    this._freezeCallbacks = [];
    this._appCursorCallbacks = [];
    this._copyCallbacks = [];
    this._attachCallbacks = [];
    this._loggedOutCallbacks = [];
    this._watcher = false;
    this._oscCallbacks = [];
    this._freezeState = 0;
    this._heldOutput = [];
    this._heldCharacters = 0;
    this._driverPaused = false;
    this._applicationCursor = false;
    this._scrollOffset = 0;
    this._frameRequested = false;
    this._fullRedraw = true;
    this._lastCursorRow = -1;
    this._focused = false;
    this._blinkOn = true;
    this._blinkRows = new Set();
    this._selection = null;
    this._selecting = false;
    this._lastMouseCell = null;
    this._mouseButtonsDown = 0;
    this._composing = false;
    this._sessionEnded = false;
    this._sizeFromSession = false;
    this._closed = false;
    this._colorCache = new Map();
    this._palette16 = Array.isArray(this.params.palette) && this.params.palette.length >= 16
      ? this.params.palette.slice(0, 16) : XTERM_PALETTE16;

    this.emulator = new Emulator({
      cols: this.params.nColumns,
      rows: this.params.nLines,
      historySize: this.params.historySize,
      onReply: (reply) => this._sendReply(reply),
      onTitle: (title) => this._setTitle(title),
      onBell: () => this._bell(),
      onOsc: (id, payload) => {
        for (const callback of this._oscCallbacks) callback(id, payload);
      },
    });

    this._buildDom();
    this._measureFont();
    this._applySize(this.params.nColumns, this.params.nLines);
    this._attachInput();
    if (this.params.autoFit) this._observeContainer();
    this._watchPixelRatio();
    this._onWindowResize = () => {
      if ((window.devicePixelRatio || 1) !== this._dpr) this._onMetricsChanged();
    };
    window.addEventListener('resize', this._onWindowResize);
    if (typeof document !== 'undefined' && document.fonts) {
      document.fonts.ready.then(() => this._onMetricsChanged());
    }
    this._startBlinking();
    this._setTitle(this.params.titleText, true);

    this.driver = null;
    this.setDriver(createDriver(this.params));
  }

  // The reasons of a freeze, as bits of getFreezeState() (freeze.js).
  static FREEZE_USER = FREEZE_USER;
  static FREEZE_SELECTION = FREEZE_SELECTION;
  static FREEZE_SCROLL = FREEZE_SCROLL;

  static getVersion() { return VERSION; }

  // ----- public API -------------------------------------------------------------------------

  // Output for the screen (text or UTF-8 bytes); held while the terminal is frozen.
  write(data) {
    if (this._closed || !data || !data.length) return;
    if (this._freezeState) this._holdOutput(data);
    else this._applyOutput(data);
  }

  // Replayed output, held with its mark while frozen.
  _writeReplayed(data) {
    if (this._closed || !data || !data.length) return;
    if (this._freezeState) this._holdOutput({ replayed: data });
    else this._applyOutput(data, true);
  }

  _applyOutput(data, replayed) {
    this._applyingReplay = Boolean(replayed);
    try {
      this.emulator.write(data);
    } finally {
      this._applyingReplay = false;
    }
    this._scheduleRender();
    if (this.emulator.modes.applicationCursor !== this._applicationCursor) this._onApplicationCursorChange();
  }

  sendText(text) {
    if (!text || this._closed) return;
    if (this._sessionEnded) {
      if (!this.readonly && this.driver.state !== 'logged-out') this._restartSession();
      return;
    }
    if (this.readonly) return;
    this._scrollToBottom();
    this._takeBackSize();
    this._flushSize();
    this.driver.send(text);
  }

  // Sets the size explicitly (nLines, nColumns as in the original API); turns autoFit off.
  resize(nLines, nColumns) {
    this._stopObserving();
    this.params.autoFit = false;
    this.root.classList.remove('xwterm-fit');
    this.root.classList.add('xwterm-fixed');
    this._applySize(Math.max(2, nColumns | 0), Math.max(1, nLines | 0));
  }

  focus() {
    this.input.focus({ preventScroll: true });
  }

  close() {
    if (this._closed) return;
    this._closed = true;
    this._stopObserving();
    clearInterval(this._blinkTimer);
    clearTimeout(this._sizeTimer);
    window.removeEventListener('resize', this._onWindowResize);
    if (this._pixelRatioQuery) {
      this._pixelRatioQuery.query.removeEventListener('change', this._pixelRatioQuery.onChange);
    }
    if (this.driver) this.driver.close();
    if (this._audio) this._audio.close().catch(() => {});
    for (const decoration of [this.titleBar, this.statusBar, this.softKeys]) if (decoration) decoration.remove();
    this.root.remove();
  }

  getCanvas() {
    return this.canvas;
  }

  // One cell in CSS pixels, with where underlines are drawn (offset from the cell's top).
  getCharRect() {
    const thickness = Math.max(1, Math.round(this._dpr));
    return {
      width: this._cssCellWidth,
      height: this._cssCellHeight,
      underline_height: thickness / this._dpr,
      underline_off: (this._baseline + thickness) / this._dpr,
    };
  }

  dumpScreen() {
    return this.emulator.dumpScreen();
  }

  get nLines() { return this.emulator.rows; }
  get nColumns() { return this.emulator.cols; }
  get title() { return this._title; }
  get connectionState() { return this.driver ? this.driver.state : 'idle'; }
  // How many lines the view is scrolled back into the history (0: following the output).
  get scrollOffset() { return this._scrollOffset; }

  // Replaces the communication driver (e.g. WebSocket → HTTP fallback); the old one is closed.
  setDriver(driver) {
    if (this.driver) this.driver.close();
    this.driver = driver;
    this._sessionEnded = false;
    // Output the driver marks as replayed (a screen snapshot) is drawn like any other, but
    // the queries in it (if a server left any) are not answered: see _sendReply.
    driver.registerOnDataReceived((data) => {
      if (this.driver !== driver) return;
      if (driver.replaying) this._writeReplayed(data);
      else this.write(data);
    });
    driver.registerOnConnectionChange((connected, text) => {
      if (this.driver === driver) this._onConnectionChange(connected, text);
    });
    // Drivers written for the original AnsiTerm may not know sessions that end or attach.
    if (typeof driver.registerOnSessionEnd === 'function') {
      driver.registerOnSessionEnd((status, description) => {
        if (this.driver === driver) this._onSessionEnd(status, description);
      });
    }
    if (typeof driver.registerOnAttach === 'function') {
      driver.registerOnAttach((attachment) => {
        if (this.driver === driver) this._onAttach(attachment);
      });
      driver.registerOnSessionSize((rows, cols) => {
        if (this.driver === driver) this._onSessionSize(rows, cols);
      });
    }
    if (typeof driver.registerOnLoggedOut === 'function') {
      driver.registerOnLoggedOut(() => {
        if (this.driver === driver) this._onLoggedOut();
      });
    }
    this._driverPaused = false;
    driver.setSize(this.emulator.rows, this.emulator.cols);
    driver.start();
  }

  registerOnTitleChange(callback) { this._titleCallbacks.push(callback); }
  cancelOnTitleChange(callback) { this._titleCallbacks = this._titleCallbacks.filter((c) => c !== callback); }
  registerOnStatusChange(callback) { this._statusCallbacks.push(callback); }
  cancelOnStatusChange(callback) { this._statusCallbacks = this._statusCallbacks.filter((c) => c !== callback); }
  registerOnResize(callback) { this._resizeCallbacks.push(callback); }
  // callback(id, payload) for each OSC sequence the terminal itself does not handle.
  registerOnOsc(callback) { this._oscCallbacks.push(callback); }
  cancelOnResize(callback) { this._resizeCallbacks = this._resizeCallbacks.filter((c) => c !== callback); }

  // ----- DOM --------------------------------------------------------------------------------

  _buildDom() {
    const p = this.params;
    let container = p.containerId ? document.getElementById(p.containerId) : null;
    if (!container) container = document.body;
    this.container = container;

    const root = document.createElement('div');
    root.className = `xwterm ${p.autoFit ? 'xwterm-fit' : 'xwterm-fixed'}${p.autocenter && !p.autoFit ? ' xwterm-center' : ''}`;
    root.style.background = p.background;
    this.root = root;

    if (p.hasTitleBar) {
      this.titleBar = new TitleBar(this);
      root.appendChild(this.titleBar.element);
    }

    const viewport = document.createElement('div');
    viewport.className = 'xwterm-viewport';
    this.viewport = viewport;

    const existingCanvas = p.canvasId ? document.getElementById(p.canvasId) : null;
    this.canvas = existingCanvas || document.createElement('canvas');
    this.canvas.classList.add('xwterm-canvas');
    this.canvas.setAttribute('role', 'img');
    this.canvas.setAttribute('aria-label', 'terminal');
    this.ctx = this.canvas.getContext('2d', { alpha: false });
    viewport.appendChild(this.canvas);

    this.input = document.createElement('textarea');
    this.input.className = 'xwterm-input';
    for (const [name, value] of Object.entries({
      autocapitalize: 'off', autocomplete: 'off', autocorrect: 'off', spellcheck: 'false',
      tabindex: '0', 'aria-label': 'terminal input',
    })) this.input.setAttribute(name, value);
    viewport.appendChild(this.input);

    this.scrollbar = document.createElement('div');
    this.scrollbar.className = 'xwterm-scrollbar';
    this.scrollbarSpacer = document.createElement('div');
    this.scrollbar.appendChild(this.scrollbarSpacer);
    viewport.appendChild(this.scrollbar);

    this.bellFlash = document.createElement('div');
    this.bellFlash.className = 'xwterm-bell';
    viewport.appendChild(this.bellFlash);
    root.appendChild(viewport);

    if (p.hasSoftKeyboard) {
      this.softKeys = new SoftKeys(this);
      root.appendChild(this.softKeys.element);
    }
    if (p.hasStatusBar) {
      this.statusBar = new StatusBar(this);
      root.appendChild(this.statusBar.element);
    }
    container.appendChild(root);
  }

  _onConnectionChange(connected, text) {
    if (this.statusBar) this.statusBar.showConnection(connected, text);
    this.root.dataset.connection = this.driver.state;
    for (const callback of this._statusCallbacks) callback(connected, text, this.driver.state);
  }

  _setTitle(title, initial) {
    this._title = title;
    if (this.titleBar) this.titleBar.setTitle(title);
    if (!initial) for (const callback of this._titleCallbacks) callback(title);
  }

  _updateStatusSize() {
    if (!this.statusBar) return;
    const emu = this.emulator;
    this.statusBar.showSize(`${emu.cols}×${emu.rows}${this._scrollOffset ? ` · ${this._scrollOffset} lines back` : ''}`);
  }

  _sendToHost(data) {
    if (this.driver && !this._sessionEnded) this.driver.send(data);
  }

  // A reply to a terminal query (device attributes, cursor position, modes...): only for
  // live output; a query replayed from the past would type its answer into the shell now.
  _sendReply(data) {
    if (!this._applyingReplay) this._sendToHost(data);
  }
}

installMethods(AnsiTerm, RendererMethods, LayoutMethods, ScrollViewMethods, InputMethods, MouseMethods,
  SelectionMethods, ClipboardMethods, FreezeMethods, BellMethods, LifecycleMethods, LinkMethods);
