"""The sans-I/O screen-restore pieces, fed bytes directly (xwterm/replay.py)."""

from xwterm.replay import RESET, ModeTracker, ReplayBuffer, without_queries


def test_modes_are_tracked_and_restored():
    tracker = ModeTracker()
    tracker.feed(b'\x1b[?1049h\x1b[?1h\x1b=\x1b[?2004h\x1b[?1000;1006h\x1b[2;20r\x1b[?25l')
    assert tracker.alt_screen and tracker.keypad
    assert tracker.scroll_region == (2, 20)
    restore = tracker.restore_sequence()
    assert restore.startswith(b'\x1b[?1049h')
    for piece in (b'\x1b[2;20r', b'\x1b[?1h', b'\x1b[?2004h', b'\x1b[?1000h',
                  b'\x1b[?1006h', b'\x1b[?25l', b'\x1b='):
        assert piece in restore
    # a fresh terminal needs nothing
    assert ModeTracker().restore_sequence() == b''


def test_modes_are_reset_by_ris_and_turned_off_again():
    tracker = ModeTracker()
    tracker.feed(b'\x1b[?1h\x1b[?2004h\x1b[5;9r')
    tracker.feed(b'\x1b[?2004l\x1b[r')
    assert tracker.restore_sequence() == b'\x1b[?1h'
    tracker.feed(b'\x1bc')
    assert tracker.restore_sequence() == b''


def test_a_sequence_split_across_chunks_is_seen():
    whole = b'text\x1b[?1049h more \x1b[?1h end'
    for cut in range(1, len(whole)):
        tracker = ModeTracker()
        tracker.feed(whole[:cut])
        tracker.feed(whole[cut:])
        assert tracker.alt_screen and tracker.modes[1], cut


def test_an_untrimmed_snapshot_is_a_reset_and_everything():
    buffer = ReplayBuffer(limit=1024)
    buffer.add(b'hello\r\n')
    buffer.add(b'\x1b[?1049hvim')
    data, alt_screen = buffer.snapshot()
    assert data == RESET + b'hello\r\n\x1b[?1049hvim'
    assert alt_screen and not buffer.trimmed


def test_a_trimmed_snapshot_keeps_the_limit_and_restores_the_modes():
    buffer = ReplayBuffer(limit=100)
    buffer.add(b'\x1b[?1049h\x1b[?1h')
    for number in range(50):
        buffer.add(b'line %d\r\n' % number)
    assert buffer.trimmed and buffer.size == 100
    data, alt_screen = buffer.snapshot()
    assert alt_screen
    assert data.startswith(RESET + b'\x1b[?1049h\x1b[?1h')
    assert data.endswith(b'line 49\r\n')
    # the kept output starts on a line boundary: no half line, no half sequence
    body = data[len(RESET + b'\x1b[?1049h\x1b[?1h'):]
    assert body.startswith(b'line ')


def test_one_chunk_bigger_than_the_limit_keeps_its_tail():
    buffer = ReplayBuffer(limit=10)
    buffer.add(b'0123456789abcdef')
    assert buffer.size == 10
    assert buffer.snapshot()[0].endswith(b'6789abcdef')


#: Every query a terminal answers by typing (issue 17): what a snapshot must not carry.
QUERIES = [b'\x1b[c', b'\x1b[0c', b'\x1b[>c', b'\x1b[>0c', b'\x1b[=c', b'\x1b[5n', b'\x1b[6n',
           b'\x1b[?6n', b'\x1b[?2004$p', b'\x1b[4$p', b'\x1bP$qm\x1b\\', b'\x1bP+q544e\x07',
           b'\x1b[>q', b'\x1b[>0q', b'\x1b]10;?\x07', b'\x1b]11;?\x1b\\', b'\x1b]4;1;?\x07',
           b'\x1b]52;c;?\x07', b'\x1b[18t', b'\x1b[14t', b'\x1b[21t', b'\x1b[?u', b'\x1b[?4m',
           b'\x1bZ', b'\x05', b'\x1b[x', b'\x1b[1;1;1;1;1*y', b'\x1b[1$w', b'\x1b[1$u']
#: Look-alikes that change the screen or the modes: kept.
NOT_QUERIES = [b'\x1b[0m', b'\x1b[1;31m', b'\x1b[?1049h', b'\x1b[2J', b'\x1b[H', b'\x1b[8;24;80t',
               b'\x1b[22;0t', b'\x1b]0;title?\x07', b'\x1b]2;?\x07', b'\x1b]10;rgb:ff/ff/ff\x07',
               b'\x1b[u', b'\x1b[>1u', b'\x1b[!p', b'\x1b[2 q', b'\x1b[?1;3;0S', b'\x1b[3C']


def test_queries_never_reach_a_snapshot():
    for trimmed in (False, True):
        buffer = ReplayBuffer(limit=64 * 1024)
        if trimmed:
            buffer.add(b'x' * 70 * 1024 + b'\n')
        for query in QUERIES + NOT_QUERIES:
            buffer.add(b'<' + query + b'>')
        data, _ = buffer.snapshot()
        for query in QUERIES:
            assert b'<' + query + b'>' not in data, query
            assert b'<>' in data
        for kept in NOT_QUERIES:
            assert b'<' + kept + b'>' in data, kept


def test_without_queries_keeps_everything_else():
    assert without_queries(b'vim \x1b[>c\x1b[?1049h\x1b[6nhello') == b'vim \x1b[?1049hhello'
    assert without_queries(b'\x1b[6') == b'\x1b[6'       # incomplete: the rest comes live
