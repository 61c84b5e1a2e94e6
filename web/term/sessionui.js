// The page's side of resumable sessions: which session this tab attaches to (a share link's
// fragment, else the one it had before a reload), remembering it per tab (sessionStorage),
// and the status bar's "Copy share link" / "Copy read-only link" and read-only badge.
import { makeButton } from './decorations.js';
import { randomSessionId } from '../drivers/common.js';

// Per page path: servers behind one host name, each under its own base path, are apart.
const SESSION_KEY = `xwterm.session:${typeof location === 'undefined' ? '/' : location.pathname}`;
// Set while this tab holds a session link (not a session it started after a login).
const LINK_KEY = `xwterm.link:${typeof location === 'undefined' ? '/' : location.pathname}`;

function storage() {
  try {
    return window.sessionStorage;
  } catch (error) {
    return null;               // storage disabled: every load is a new session
  }
}

// A share link is `PAGE?link#session=ID&token=KEY`: `?link` lets the page load without the
// server's login (unless --links-need-login), the session and its key stay in the fragment,
// which is never sent to the server. The fragment is taken out of the address bar, so a
// reload after that session ended does not come back to it.
export function takeAttachment() {
  const fragment = new URLSearchParams(location.hash.slice(1));
  const session = fragment.get('session');
  const token = fragment.get('token');
  if (session && token) {
    history.replaceState(null, '', `${location.pathname}${location.search}`);
    const store = storage();
    if (store) store.setItem(LINK_KEY, '1');
    return { session, token };
  }
  const store = storage();
  try {
    const stored = store && JSON.parse(store.getItem(SESSION_KEY));
    return stored && stored.session ? stored : null;
  } catch (error) {
    return null;
  }
}

// The HTTP client id (client=): the server keeps each client's place in the output apart.
// A new one per page load: the server sends the screen snapshot to a client only when it
// first attaches, and a reloaded page has lost its screen.
export function pageClientId() {
  return randomSessionId();
}

// Whether this tab holds a session link (rather than a login).
export function holdsLink() {
  const store = storage();
  return Boolean(store && store.getItem(LINK_KEY));
}

// Where this tab logs in again, keeping its session: the page itself (the server shows the
// login form and comes back here; sessionStorage keeps the session), or the link's page.
export function loginAgainUrl(attachment) {
  if (attachment && holdsLink()) {
    const key = attachment.token || attachment.readonlyToken;
    return `${location.pathname}?link#session=${encodeURIComponent(attachment.session)}&token=${encodeURIComponent(key)}`;
  }
  return location.pathname;
}

// The page's address with only `?link`: whatever else it carries (a login token) is not the
// session owner's to give away.
export function shareLink(session, token) {
  const url = new URL(location.href);
  url.search = '?link';
  url.hash = `session=${encodeURIComponent(session)}&token=${encodeURIComponent(token)}`;
  return url.href;
}

export class SessionUi {
  constructor(term) {
    this.term = term;
    this.attachment = null;
    term.registerOnAttach((attachment) => this._onAttach(attachment));
    term.registerOnStatusChange((connected, text, state) => {
      // An ended session is not come back to on reload; the next one is stored when it
      // attaches. A watcher's tab keeps it: reloaded, it says the session ended.
      if ((state === 'ended' || state === 'failed') && !term.readonly) this._forget();
    });
    if (term.statusBar) this._buildControls(term.statusBar.element);
  }

  _buildControls(bar) {
    const group = document.createElement('span');
    group.className = 'xwterm-session';
    this.badge = document.createElement('span');
    this.badge.className = 'xwterm-readonly';
    this.badge.textContent = 'read-only';
    this.badge.hidden = true;
    this.shareButton = makeButton('Copy share link', () => this._copy(false, this.shareButton));
    this.readonlyButton = makeButton('Copy read-only link', () => this._copy(true, this.readonlyButton));
    // Disabled rather than hidden until there is a link: the bar keeps its layout (and the
    // terminal its size) when the session attaches.
    this.renewButton = makeButton('Stop sharing', () => this._renew());
    this.renewButton.title = 'New links for this session: the links given out so far stop working';
    this.shareButton.disabled = true;
    this.readonlyButton.disabled = true;
    this.renewButton.disabled = true;
    group.append(this.badge, this.shareButton, this.readonlyButton, this.renewButton);
    const fill = bar.querySelector('.xwterm-status-fill');
    bar.insertBefore(group, fill);
  }

  // The link for the session this tab is attached to (null before it is known).
  link(readonly) {
    const attachment = this.attachment;
    if (!attachment) return null;
    const token = readonly ? attachment.readonlyToken : attachment.token;
    return token ? shareLink(attachment.session, token) : null;
  }

  _onAttach(attachment) {
    this.attachment = attachment;
    const store = storage();
    if (store) store.setItem(SESSION_KEY, JSON.stringify(attachment));
    if (!this.badge) return;
    this.badge.hidden = !attachment.readonly;
    this.shareButton.disabled = !attachment.token;
    this.readonlyButton.disabled = !attachment.readonlyToken;
    this.renewButton.disabled = !attachment.token;
    // A watcher may only watch: no links of its own to renew.
    this.renewButton.hidden = attachment.readonly;
  }

  _renew() {
    this.term.driver.renewKeys();
    this.term.focus();
  }

  _forget() {
    this.attachment = null;
    const store = storage();
    if (store) store.removeItem(SESSION_KEY);
    if (!this.badge) return;
    this.shareButton.disabled = true;
    this.readonlyButton.disabled = true;
    this.renewButton.disabled = true;
  }

  _copy(readonly, button) {
    const link = this.link(readonly);
    if (!link) return;
    this.term._writeClipboard({ text: link });
    const label = button.textContent;
    button.textContent = 'Copied';
    setTimeout(() => { button.textContent = label; }, 1500);
    this.term.focus();
  }
}
