// The terminal's style sheet, injected once so that the module works without a stylesheet.
const STYLE_ID = 'xwterm-style';
const STYLE_TEXT = `
.xwterm { display: flex; flex-direction: column; box-sizing: border-box; min-width: 0; min-height: 0; }
.xwterm.xwterm-fit { width: 100%; height: 100%; }
.xwterm.xwterm-fixed { width: max-content; }
.xwterm.xwterm-center { margin: 0 auto; }
.xwterm-title { padding: 2px 8px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.xwterm-viewport { position: relative; overflow: hidden; flex: 1 1 auto; min-height: 0; }
.xwterm-canvas { position: absolute; left: 0; top: 0; cursor: text; touch-action: none; }
.xwterm-input { position: absolute; width: 2px; height: 1em; padding: 0; border: 0; margin: 0;
  opacity: 0; resize: none; overflow: hidden; white-space: nowrap; outline: none;
  caret-color: transparent; color: transparent; background: transparent; z-index: -1; }
.xwterm-scrollbar { position: absolute; top: 0; right: 0; bottom: 0; width: 12px;
  overflow-x: hidden; overflow-y: auto; scrollbar-width: thin;
  scrollbar-color: rgba(160,160,160,0.6) transparent; }
.xwterm-scrollbar > div { width: 1px; }
.xwterm-links { position: absolute; left: 0; top: 0; pointer-events: none; }
.xwterm-link-underline { position: absolute; pointer-events: none; }
.xwterm-bell { position: absolute; inset: 0; pointer-events: none; background: rgba(255,255,255,0.18);
  opacity: 0; transition: opacity 0.15s ease-out; }
.xwterm-bell.xwterm-bell-on { opacity: 1; transition: none; }
.xwterm-status { display: flex; gap: 6px; align-items: center; padding: 2px 4px; background: #2b2b2b;
  color: #ddd; white-space: nowrap; flex-wrap: nowrap; overflow-x: auto; overflow-y: hidden;
  scrollbar-width: none; }
.xwterm-status > * { flex: 0 0 auto; }
.xwterm-status > .xwterm-status-state { flex: 0 1 auto; min-width: 9em; padding: 1px 8px;
  border-radius: 3px; overflow: hidden; text-overflow: ellipsis; }
.xwterm-status > .xwterm-status-fill { flex: 1 1 0; min-width: 0; }
.xwterm-status button { font: inherit; padding: 0 8px; }
.xwterm-softkeys { display: flex; flex-direction: column; gap: 2px; padding: 2px; background: #1e1e1e;
  width: 0; min-width: 100%; box-sizing: border-box; user-select: none; -webkit-user-select: none; }
.xwterm-softkeys-row { display: flex; gap: 3px; overflow-x: auto; scrollbar-width: none; }
.xwterm-softkeys button { flex: 0 0 auto; min-width: 38px; height: 32px; padding: 0 6px; font: 13px system-ui, sans-serif;
  color: #eee; background: #3a3a3a; border: 1px solid #555; border-radius: 4px; touch-action: manipulation; }
.xwterm-softkeys button[aria-pressed="true"] { background: #2f6fb0; border-color: #8cf; }
.xwterm-softkeys-appcursor button[data-key^="Arrow"] { border-color: #cc9; color: #ffd; }
@media (max-width: 1100px) { .xwterm-status-version { display: none; } }
.xwterm-menu-anchor { position: relative; }
.xwterm-menu { position: fixed; z-index: 10; display: flex;
  flex-direction: column; background: #2b2b2b; border: 1px solid #555; padding: 2px; }
.xwterm-menu[hidden] { display: none; }
.xwterm-menu button { text-align: left; white-space: nowrap; }
`;

export function injectStyle() {
  if (typeof document === 'undefined' || document.getElementById(STYLE_ID)) return;
  const style = document.createElement('style');
  style.id = STYLE_ID;
  style.textContent = STYLE_TEXT;
  document.head.appendChild(style);
}
