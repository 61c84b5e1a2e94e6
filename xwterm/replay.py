"""Sans-I/O screen restore for clients that (re)attach to a running session.

A session keeps its most recent output in a :class:`ReplayBuffer`.  A client that
attaches, or one that fell too far behind and skipped ahead, is sent a snapshot:
a terminal reset, the modes that were in force where the kept output begins, and
the kept output itself.  Fed to a fresh emulator, that reproduces the screen of a
client that never left: exactly, while the buffer still holds everything since the
shell started; otherwise from a line boundary, and the session asks full-screen
programs to redraw (see ``SharedSession``).

The modes are found by scanning the bytes that leave the buffer, so a session
whose output fits in the buffer never pays for the scan.

A snapshot carries no terminal queries (:func:`without_queries`): a terminal answers a
query by typing its reply, and an answer to a program's question of minutes ago arrives in
the shell as junk (``0;276;0c`` at the prompt).  Clients of every protocol get the same
snapshot, so the guard holds for all of them.
"""

import collections
import re

#: Bytes of recent output a session keeps for (re)attaching clients.
DEFAULT_REPLAY_LIMIT = 512 * 1024

#: Full reset: what every snapshot starts with.
RESET = b'\x1bc'

#: DEC private modes a snapshot restores, with their power-on values.
TRACKED_MODES = collections.OrderedDict([
    (1, False),     # application cursor keys
    (6, False),     # origin mode
    (7, True),      # auto-wrap
    (25, True),     # cursor visible
    (1000, False), (1002, False), (1003, False),   # mouse tracking
    (1004, False),  # focus events
    (1005, False), (1006, False), (1015, False),   # mouse encodings
    (2004, False),  # bracketed paste
])
ALT_SCREEN_MODES = (47, 1047, 1049)

#: A sequence that matters for the modes; others are skipped.
_SEQUENCE = re.compile(rb'\x1b(?:\[(\?)?([0-9;]*)([hlr])|\[!p|c|=|>)')
#: A complete escape sequence (CSI with its final byte, or ESC and one more byte).
_COMPLETE = re.compile(rb'\x1b(?:\[[0-?]*[ -/]*[@-~]|[^\[])')
#: Longest incomplete sequence kept across a chunk boundary.
_MAX_CARRY = 64
#: How far into the kept output a snapshot looks for a line start to begin at.
_LINE_SEARCH = 4096


#: Output sequences a terminal answers by typing a reply (CSI ones are decided by
#: :func:`_is_query_csi`): DCS ``$q`` (DECRQSS) and ``+q`` (XTGETTCAP), OSC colour and
#: clipboard queries (a ``?`` field), DECID (ESC Z) and ENQ.
_QUERY = re.compile(
    rb'\x1b\[(?P<prefix>[<=>?]?)(?P<params>[0-9;:]*)(?P<inter>[ -/]*)(?P<final>[cnpqtxuwyS])'
    rb'|\x1b\[\?[0-9;:]*m'
    rb'|\x1bP[$+]q[^\x1b\x07]{0,4096}(?:\x1b\\|\x07)'
    rb'|\x1b\](?:4|5|1[0-9]|52)(?P<osc>(?:;[^;\x07\x1b]{0,4096})+)(?:\x07|\x1b\\)'
    rb'|\x1bZ|\x05')
#: Window reports of XTWINOPS (CSI Ps t): sizes, positions, state, titles.
_WINDOW_REPORTS = frozenset([b'11', b'13', b'14', b'15', b'16', b'18', b'19', b'20', b'21'])


def _is_query_csi(prefix, params, inter, final):
    """Whether ``CSI prefix params inter final`` asks the terminal for a reply: DA1, DA2,
    DA3, DSR and CPR, DECRQM, XTVERSION, window reports, DECREQTPARM, the kitty keyboard
    query, DECRQTSR, DECRQPSR, DECRQCRA, XTSMGRAPHICS reads (XTQMODKEYS is in _QUERY)."""
    if final == b'c':
        return not inter and prefix in (b'', b'>', b'=')
    if final == b'n':
        return not inter and prefix in (b'', b'?')
    if final == b'p':
        return inter == b'$'
    if final == b'q':
        return not inter and prefix == b'>'
    if final == b't':
        return not inter and not prefix and params.split(b';')[0] in _WINDOW_REPORTS
    if final == b'x':
        return not inter and not prefix
    if final == b'u':
        return (not inter and prefix == b'?') or inter == b'$'
    if final == b'w':
        return inter == b'$'
    if final == b'y':
        return inter == b'*'
    return prefix == b'?' and params.split(b';')[1:2] in ([b'1'], [b'4'])


def _drop_query(match):
    if match.group('final') is not None:
        keep = not _is_query_csi(*match.group('prefix', 'params', 'inter', 'final'))
    elif match.group('osc') is not None:
        keep = b'?' not in match.group('osc').split(b';')
    else:
        keep = False
    return match.group(0) if keep else b''


def without_queries(data):
    """``data`` without the sequences that make a terminal reply (see ``_QUERY``)."""
    return _QUERY.sub(_drop_query, data)


class ModeTracker(object):
    """The terminal modes an output stream leaves in force (sans-I/O)."""

    def __init__(self):
        self._carry = b''
        self.reset()

    def reset(self):
        self.modes = dict(TRACKED_MODES)
        self.alt_screen = False
        self.keypad = False
        self.scroll_region = None

    def copy(self):
        twin = ModeTracker()
        twin._carry = self._carry
        twin.modes = dict(self.modes)
        twin.alt_screen = self.alt_screen
        twin.keypad = self.keypad
        twin.scroll_region = self.scroll_region
        return twin

    def feed(self, data):
        """Account for ``data``, the next bytes of output."""
        if self._carry:
            data = self._carry + data
            self._carry = b''
        last_escape = data.rfind(b'\x1b')
        if last_escape >= 0 and len(data) - last_escape < _MAX_CARRY \
                and not _COMPLETE.match(data, last_escape):
            self._carry = data[last_escape:]
            data = data[:last_escape]
        for match in _SEQUENCE.finditer(data):
            self._apply(match)

    def _apply(self, match):
        private, params, final = match.groups()
        whole = match.group(0)
        if final is None:
            if whole == b'\x1bc':
                self.reset()
            elif whole == b'\x1b[!p':
                self.modes[1] = self.modes[6] = False
                self.keypad = False
                self.scroll_region = None
            else:
                self.keypad = whole == b'\x1b='
            return
        numbers = [int(part) for part in params.split(b';') if part.isdigit()]
        if final == b'r':
            if not private:
                self.scroll_region = tuple(numbers[:2]) if len(numbers) >= 2 else None
            return
        if not private:
            return
        enabled = final == b'h'
        for number in numbers:
            if number in self.modes:
                self.modes[number] = enabled
            elif number in ALT_SCREEN_MODES:
                self.alt_screen = enabled

    def restore_sequence(self):
        """Bytes that put a freshly reset terminal into these modes."""
        parts = []
        if self.alt_screen:
            parts.append(b'\x1b[?1049h')
        if self.scroll_region is not None:
            parts.append(b'\x1b[%d;%dr' % self.scroll_region)
        for number, default in TRACKED_MODES.items():
            if self.modes[number] != default:
                parts.append(b'\x1b[?%d%s' % (number, b'h' if self.modes[number] else b'l'))
        if self.keypad:
            parts.append(b'\x1b=')
        return b''.join(parts)


class ReplayBuffer(object):
    """The most recent output of one session, at most ``limit`` bytes (oldest dropped)."""

    def __init__(self, limit=DEFAULT_REPLAY_LIMIT):
        self.limit = limit
        self._chunks = collections.deque()
        self.size = 0
        self.trimmed = False
        self._start = ModeTracker()

    def add(self, data):
        if not data:
            return
        self._chunks.append(bytes(data))
        self.size += len(data)
        excess = self.size - self.limit
        while excess > 0:
            oldest = self._chunks.popleft()
            if len(oldest) > excess:
                self._chunks.appendleft(oldest[excess:])
                oldest = oldest[:excess]
            self._start.feed(oldest)
            self.size -= len(oldest)
            excess -= len(oldest)
            self.trimmed = True

    def snapshot(self):
        """``(bytes, alt_screen)``: what recreates the screen, and whether it ends in the
        alternate screen (where a trimmed snapshot needs the program to redraw)."""
        kept = b''.join(self._chunks)
        if not self.trimmed:
            end = self._start.copy()
            end.feed(kept)
            return RESET + without_queries(kept), end.alt_screen
        start = self._start.copy()
        line_start = kept.find(b'\n', 0, _LINE_SEARCH) + 1
        start.feed(kept[:line_start])
        end = start.copy()
        body = kept[line_start:]
        end.feed(body)
        return RESET + start.restore_sequence() + without_queries(body), end.alt_screen
