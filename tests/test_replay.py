"""The sans-I/O screen-restore pieces, fed bytes directly (xwterm/replay.py)."""

from xwterm.replay import RESET, ModeTracker, ReplayBuffer


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
