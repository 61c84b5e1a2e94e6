// Helpers shared by the drivers: URL templates, backoff, chunking of large sends.
export function fillSizeTemplate(template, lines, columns) {
  return template.replace('?lines?', String(lines)).replace('?columns?', String(columns));
}

export function addQueryParam(url, name, value) {
  const separator = url.includes('?') ? '&' : '?';
  return value === undefined || value === null
    ? `${url}${separator}${encodeURIComponent(name)}`
    : `${url}${separator}${encodeURIComponent(name)}=${encodeURIComponent(value)}`;
}

// The query of a session's request: its id and its own key (`key=`; the login token, if any,
// stays `token=`).
export function sessionQuery(attachment) {
  return `session=${encodeURIComponent(attachment.session)}` +
    `&key=${encodeURIComponent(attachment.token || attachment.readonlyToken)}`;
}

export function randomSessionId() {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// Exponential backoff with jitter, so that many pages do not hammer a restarted server in step.
export function backoffDelay(failures, base, cap) {
  const delay = Math.min(cap, base * 2 ** Math.min(failures, 10));
  return Math.round(delay * (0.75 + Math.random() * 0.5));
}

// Large pastes go out in pieces the server accepts (its body and frame sizes are bounded);
// a piece never ends between the two halves of a surrogate pair.
export const MAX_SEND_CHARS = 256 * 1024;

export function firstChunk(text) {
  if (text.length <= MAX_SEND_CHARS) return text;
  const high = text.charCodeAt(MAX_SEND_CHARS - 1);
  return text.slice(0, high >= 0xd800 && high <= 0xdbff ? MAX_SEND_CHARS - 1 : MAX_SEND_CHARS);
}

export function parseExitStatus(text) {
  const match = /-?\d+/.exec(text || '');
  return match ? Number(match[0]) : null;
}

// How the end of a session reads: the server's reason ("killed", "detach timeout"), an exit
// status (a negative one is the signal that killed the shell), or the server's restart when
// it no longer knows the session.
export function describeEnd(status, reason) {
  let text = String(reason || '').replace(/^session ended:\s*/, '');
  if (text === 'no such session') return 'the server restarted';
  const exit = /^exit (-?\d+)$/.exec(text);
  if (exit) {
    status = Number(exit[1]);
    text = '';
  }
  if (text) return text;
  if (status === null || status === undefined) return 'ended';
  return status < 0 ? `killed by signal ${-status}` : `exit ${status}`;
}
