"""Rectangle operations that xterm.js does not implement (DECFRA, DECERA, DECSERA, DECCRA,
DECCARA, DECRARA, DECSACE), with expected screens written here from the VT510 manual's
definitions (not from any terminal's output).

``CASES`` maps name -> dict(stream, cols, rows, text, cells, cursor): ``text`` the expected rows
(trailing blanks ignored), ``cells`` {(row, col): [ch, width, fg, bg, flags]} for the cells
whose attributes matter, ``cursor`` (row, col), which the operations never move.
"""

ESC = '\x1b'
CSI = ESC + '['


def grid(cols, rows):
    """Rows "A12345", "B12345", ...: every cell distinct enough to see moves and fills."""
    out = ''
    for y in range(rows):
        out += '%s%d;1H%s%s' % (CSI, y + 1, chr(65 + y), '123456789'[:cols - 1])
    return out + CSI + 'H'


def decsca(p):
    return '%s%d"q' % (CSI, p)


CASES = {
    'decfra_fills_in_the_current_rendition': dict(
        stream=grid(6, 4) + CSI + '1;31m' + CSI + '42;2;3;3;5$x' + CSI + '0m',
        cols=6, rows=4, cursor=(0, 0),
        text=['A12345', 'B1***5', 'C1***5', 'D12345'],
        cells={(1, 2): ['*', 1, 1, None, 'b'], (2, 4): ['*', 1, 1, None, 'b'],
               (1, 1): ['1', 1, None, None, ''], (1, 5): ['5', 1, None, None, '']}),
    'decfra_defaults_and_clipping': dict(
        stream=grid(6, 4) + CSI + '35;3;1;9;99$x' + CSI + '2;4H' + CSI + '43;;;1$x',
        cols=6, rows=4, cursor=(1, 3),
        text=['++++++', 'B12345', '######', '######']),
    'decfra_refuses_controls_and_empty_rectangles': dict(
        stream=grid(6, 3) + CSI + '7;1;1;3;6$x' + CSI + '127;1;1;3;6$x' + CSI + '0$x'
        + CSI + '42;3;1;2;6$x' + CSI + '42;1;4;3;2$x',
        cols=6, rows=3, cursor=(0, 0),
        text=['A12345', 'B12345', 'C12345']),
    'decfra_maps_through_the_gl_charset': dict(
        stream=ESC + '(0' + CSI + '113;1;2;1;4$x' + ESC + '(B' + CSI + '113;2;2;2;4$x',
        cols=6, rows=2, cursor=(0, 0),
        text=[' \u2500\u2500\u2500', ' qqq']),
    'decera_blanks_with_the_current_background': dict(
        stream=grid(6, 3) + CSI + '44m' + CSI + '1;2;2;5$z' + CSI + '0m',
        cols=6, rows=3, cursor=(0, 0),
        text=['A    5', 'B    5', 'C12345'],
        cells={(0, 1): ['', 1, None, 4, ''], (1, 4): ['', 1, None, 4, ''],
               (0, 5): ['5', 1, None, None, '']}),
    'decera_ignores_protection_decsera_keeps_it': dict(
        stream='ab' + decsca(1) + 'cd' + decsca(0) + 'ef' + CSI + '2;1H' + 'ab' + decsca(1)
        + 'cd' + decsca(0) + 'ef' + CSI + '1;1;1;6$z' + CSI + '2;1;2;6${' + CSI + 'H',
        cols=6, rows=2, cursor=(0, 0),
        text=['', '  cd']),
    'deccra_copies_text_and_attributes': dict(
        stream=grid(6, 4) + CSI + '2;2H' + CSI + '4;7m' + 'xy' + CSI + '0m' + CSI + 'H'
        + CSI + '1;1;2;3;1;3;4;1$v',
        cols=6, rows=4, cursor=(0, 0),
        text=['A12345', 'Bxy345', 'C12A12', 'D12Bxy'],
        cells={(3, 4): ['x', 1, None, None, 'ur'], (3, 5): ['y', 1, None, None, 'ur'],
               (3, 3): ['B', 1, None, None, '']}),
    'deccra_overlapping_reads_the_source_first': dict(
        stream=grid(6, 3) + CSI + '1;1;3;5;1;1;2;1$v' + CSI + '2;1;3;6;1;1;1;1$v',
        cols=6, rows=3, cursor=(0, 0),
        text=['BB1234', 'CC1234', 'CC1234']),
    'deccra_clips_the_destination': dict(
        stream=grid(6, 3) + CSI + '1;1;3;6;1;3;5;1$v',
        cols=6, rows=3, cursor=(0, 0),
        text=['A12345', 'B12345', 'C123A1']),
    'deccara_stream_extent_by_default': dict(
        stream=grid(4, 3) + CSI + '1;3;2;2;1;4$r',
        cols=4, rows=3, cursor=(0, 0),
        text=['A123', 'B123', 'C123'],
        cells={(0, 1): ['1', 1, None, None, ''], (0, 2): ['2', 1, None, None, 'bu'],
               (0, 3): ['3', 1, None, None, 'bu'], (1, 0): ['B', 1, None, None, 'bu'],
               (1, 1): ['1', 1, None, None, 'bu'], (1, 2): ['2', 1, None, None, ''],
               (2, 0): ['C', 1, None, None, '']}),
    'deccara_rectangle_extent_after_decsace_2': dict(
        stream=grid(4, 3) + CSI + '2*x' + CSI + '1;3;2;2;1;4$r' + CSI + '1;2;3;3;7;5$r'
        + CSI + '2;2;2;2;0$r',
        cols=4, rows=3, cursor=(0, 0),
        text=['A123', 'B123', 'C123'],
        cells={(0, 2): ['2', 1, None, None, 'rk'], (0, 3): ['3', 1, None, None, ''],
               (1, 1): ['1', 1, None, None, ''], (2, 2): ['2', 1, None, None, 'rk'],
               (1, 0): ['B', 1, None, None, '']}),
    'deccara_clears_with_the_off_numbers': dict(
        stream=CSI + '1;4;5;7mabcd' + CSI + '0m' + CSI + '1;2;1;3;22;24$r' + CSI + '1;3;1;4;25;27$r',
        cols=4, rows=1, cursor=(0, 3),
        text=['abcd'],
        cells={(0, 0): ['a', 1, None, None, 'burk'], (0, 1): ['b', 1, None, None, 'rk'],
               (0, 2): ['c', 1, None, None, ''], (0, 3): ['d', 1, None, None, 'bu']}),
    'decrara_reverses': dict(
        stream=CSI + '1mab' + CSI + '0mcd' + CSI + '1;1;1;4;1$t' + CSI + '1;2;1;3$t',
        cols=4, rows=1, cursor=(0, 3),
        text=['abcd'],
        cells={(0, 0): ['a', 1, None, None, ''], (0, 1): ['b', 1, None, None, 'burk'],
               (0, 2): ['c', 1, None, None, 'urk'], (0, 3): ['d', 1, None, None, 'b']}),
    'rectangles_in_origin_mode': dict(
        stream=CSI + '2;3r' + CSI + '?6h' + CSI + '43;1;1;9;2$x' + CSI + '?6l' + CSI + 'r'
        + CSI + '5;4H',
        cols=4, rows=5, cursor=(4, 3),
        text=['', '++', '++', '', '']),
}
