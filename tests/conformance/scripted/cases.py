"""Scripted escape-sequence tests for AnsiTerm conformance.

Each case is a small byte stream that exercises one area of the emulation listed in
issue 3 (C0 controls, ESC functions, charsets, every CSI function, DECSTBM, modes, SGR,
OSC/DCS/APC/PM/SOS strings, Unicode widths, deferred wrap, tabs, back-colour erase,
partial UTF-8).  The expected screen is not written here: it is whatever the reference
(xterm.js headless, see ../reference.mjs) shows after the stream, and AnsiTerm must be
identical to it cell by cell, fed whole and in 7-byte chunks.

``cases()`` returns a dict name -> (bytes, cols, rows).  Run this file to write the
streams as .bin files into a directory (handy for debugging):

    python tests/conformance/scripted/cases.py /tmp/scripted
"""

import os
import sys

ESC = "\x1b"
CSI = ESC + "["
OSC = ESC + "]"
DCS = ESC + "P"
ST = ESC + "\\"
BEL = "\x07"


def csi(*params, final, prefix=""):
    return CSI + prefix + ";".join(str(p) for p in params) + final


def cup(row, col):
    """1-based CUP."""
    return csi(row, col, final="H")


def sgr(*params):
    return csi(*params, final="m")


def fill(cols, rows, ch_start="A"):
    """Fill a screen with distinct rows of text so that erases and moves are visible."""
    out = [CSI + "H"]
    for r in range(rows):
        ch = chr(ord(ch_start) + (r % 26))
        line = "".join(chr(ord(ch) + ((c % 3) * 32 if ch.isupper() and (c % 3) == 1 else 0))
                       for c in range(cols))
        out.append(cup(r + 1, 1) + line)
    out.append(CSI + "H")
    return "".join(out)


def numbered(cols, rows):
    """Rows of digits (row number + column digits), filling the screen exactly."""
    out = [CSI + "H"]
    for r in range(rows):
        text = ("%02d:" % r) + "".join(str(c % 10) for c in range(cols - 3))
        out.append(cup(r + 1, 1) + text[:cols])
    out.append(CSI + "H")
    return "".join(out)


_CASES = {}


def case(name, cols=80, rows=24):
    def deco(fn):
        _CASES[name] = (fn, cols, rows)
        return fn
    return deco


# --------------------------------------------------------------------------- C0

@case("c0_basic", 40, 10)
def _c0_basic(cols, rows):
    return ("ab\bc\b\bX\r\n"              # BS overwrites
            "tab\there\tthere\r\n"        # HT
            "lf\nvt\x0bff\x0cdone\r\n"   # LF, VT, FF all index (no CR)
            "cr-overwrite\rCR\r\n"
            "bell\x07nul\x00del\x7fend\r\n"  # BEL, NUL, DEL: no effect on screen
            "\b\b\bleft-margin-bs")        # BS at column 0 stays


@case("c0_inside_csi", 40, 8)
def _c0_inside_csi(cols, rows):
    # C0 controls are executed in the middle of a CSI sequence; CAN and SUB abort it.
    return ("A" + CSI + "2\bC" + "B\r\n"       # BS executed inside CSI 2 C
            + "x" + CSI + "1\r;5H" + "Y\r\n"   # CR inside a CSI
            + "p" + CSI + "3\x18q" + "Q\r\n"    # CAN aborts: 'q' printed
            + "s" + CSI + "3\x1aq" + "S\r\n"    # SUB aborts
            + "e" + ESC + "\x18" + "E")         # CAN aborts an ESC


@case("c0_backspace_after_wrap", 10, 4)
def _c0_bs_wrap(cols, rows):
    return "0123456789\bX" + "\r\n" + "abcdefghij\b\bY"


# --------------------------------------------------------------------------- ESC

@case("esc_decsc_decrc", 40, 10)
def _esc_sc_rc(cols, rows):
    return (cup(3, 5) + sgr(1, 31, 44) + ESC + "7"     # save position + attributes
            + sgr(0) + cup(8, 20) + "moved"
            + ESC + "8" + "restored-attrs"
            + sgr(0) + CSI + "H" + ESC + "8" + "again")


@case("esc_decsc_charset_and_origin", 40, 10)
def _esc_sc_charset(cols, rows):
    return (ESC + "(0" + ESC + "7" + ESC + "(B" + "qqq "
            + ESC + "8" + "qqq " + ESC + "(B"
            + csi(3, 8, final="r") + CSI + "?6h" + ESC + "7" + CSI + "?6l" + CSI + "r"
            + cup(10, 1) + ESC + "8" + "O" + CSI + "?6l")


@case("esc_ind_nel_ri", 30, 6)
def _esc_ind(cols, rows):
    return (numbered(cols, rows)
            + cup(6, 10) + ESC + "D" + "ind"        # IND at bottom scrolls up
            + cup(3, 10) + ESC + "E" + "nel"        # NEL = CR + LF
            + cup(1, 10) + ESC + "M" + "ri"         # RI at top scrolls down
            + cup(4, 4) + ESC + "M" + "ri2"         # RI elsewhere moves up
            + ESC + "D" + ESC + "D" + "ind2")


@case("esc_hts", 40, 4)
def _esc_hts(cols, rows):
    return (CSI + "3g"                      # clear all tabs
            + cup(1, 5) + ESC + "H" + cup(1, 13) + ESC + "H" + cup(1, 30) + ESC + "H"
            + "\r\tA\tB\tC\tD\r\n" + "\tx")


@case("esc_ris", 30, 6)
def _esc_ris(cols, rows):
    return (fill(cols, rows) + sgr(1, 33, 41) + CSI + "?25l" + CSI + "?1049h"
            + csi(2, 4, final="r") + "alt" + OSC + "2;before-reset" + BEL
            + ESC + "c" + "after reset" + "\r\nnext")


@case("esc_keypad_modes", 30, 4)
def _esc_keypad(cols, rows):
    return "a" + ESC + "=" + "b" + ESC + ">" + "c" + CSI + "?1h" + "d" + CSI + "?1l" + "e"


@case("esc_unknown_and_intermediates", 30, 4)
def _esc_unknown(cols, rows):
    # Unknown ESC finals and ESC with intermediates are consumed silently.
    return ("a" + ESC + "#8" + "b" + ESC + " G" + "c" + ESC + "%G" + "d"
            + ESC + "Z" + "e" + ESC + "6" + "f" + ESC + "9" + "g")


@case("esc_decaln", 20, 5)
def _esc_decaln(cols, rows):
    return "junk" + sgr(44) + ESC + "#8" + cup(3, 3) + "x"


# ------------------------------------------------------------------- charsets

@case("charset_g0_line_drawing", 40, 8)
def _charset_g0(cols, rows):
    every = "".join(chr(c) for c in range(0x5f, 0x7f))
    return (ESC + "(0" + "lqqqqwqqqqk\r\nx    x    x\r\ntqqqqnqqqqu\r\nmqqqqvqqqqj\r\n"
            + every + "\r\n" + ESC + "(B" + every + "\r\n"
            + ESC + "(0" + "ABC abc 123" + ESC + "(B" + " back")


@case("charset_g1_so_si", 40, 6)
def _charset_g1(cols, rows):
    return (ESC + ")0" + "text\x0elqqk\x0ftext\r\n"
            + "\x0ex\x0f in \x0ex\x0f\r\n"
            + ESC + ")B" + "\x0eqqq-ascii-in-g1\x0f\r\n"
            + ESC + ")0" + "\x0e" + sgr(31) + "lqk" + sgr(0) + "\x0f end")


@case("charset_ris_resets", 30, 4)
def _charset_ris(cols, rows):
    return ESC + "(0" + ESC + ")0" + "\x0e" + "qq" + ESC + "c" + "qq after reset"


@case("charset_uk_and_other_designators", 30, 4)
def _charset_uk(cols, rows):
    return ESC + "(A" + "#1" + ESC + "(B" + "#2" + ESC + "(0" + "q" + ESC + "(B" + "q"


# ------------------------------------------------------------------------ CSI

@case("csi_cursor_moves", 40, 12)
def _csi_moves(cols, rows):
    s = cup(6, 20) + "*"
    s += csi(3, final="A") + "A" + csi(final="A") + "a"
    s += csi(5, final="B") + "B" + csi(final="B") + "b"
    s += csi(4, final="C") + "C" + csi(final="C") + "c"
    s += csi(9, final="D") + "D" + csi(final="D") + "d"
    s += csi(2, final="E") + "E" + csi(final="E") + "e"
    s += cup(11, 30) + csi(3, final="F") + "F" + csi(final="F") + "f"
    s += csi(15, final="G") + "G" + csi(final="G") + "g"
    s += csi(0, final="A") + "0"      # parameter 0 means 1
    return s


@case("csi_cursor_clamps", 20, 6)
def _csi_clamps(cols, rows):
    return (cup(3, 10) + csi(99, final="A") + "u"
            + csi(99, final="B") + "d"
            + csi(99, final="C") + "r"
            + csi(99, final="D") + "l"
            + cup(999, 999) + "Z"
            + csi(0, 0, final="H") + "H"
            + csi(final="H") + csi(3, final="H") + "3"
            + csi(2, 999, final="f") + "f"
            + csi(4, final="G") + csi(99, final="E") + "E"
            + csi(99, final="F") + "F")


@case("csi_cup_hvp", 30, 8)
def _csi_cup(cols, rows):
    return (cup(2, 3) + "a" + csi(4, 10, final="f") + "b" + csi(";7", final="H") + "c"
            + csi("6;", final="H") + "d" + csi(8, 30, final="H") + "e")


@case("csi_cha_hpa_hpr_vpa_vpr", 40, 10)
def _csi_abs(cols, rows):
    return (csi(5, final="G") + "G" + csi(10, final="`") + "`" + csi(3, final="a") + "a"
            + csi(6, final="d") + "d" + csi(2, final="e") + "e" + csi(99, final="e") + "E"
            + csi(999, final="`") + "!" + csi(final="d") + "D" + csi(99, final="a") + "A")


@case("csi_ich_dch_ech", 30, 6)
def _csi_ich(cols, rows):
    line = "0123456789abcdefghijklmnopqrst"
    return (cup(1, 1) + line + cup(1, 5) + csi(3, final="@")
            + cup(2, 1) + line + cup(2, 5) + csi(4, final="P")
            + cup(3, 1) + line + cup(3, 5) + csi(6, final="X")
            + cup(4, 1) + line + cup(4, 28) + csi(10, final="@")
            + cup(5, 1) + line + cup(5, 28) + csi(10, final="P")
            + cup(6, 1) + line + cup(6, 10) + csi(final="@") + csi(final="P")
            + csi(final="X") + csi(99, final="X"))


@case("csi_ed_variants", 20, 8)
def _csi_ed(cols, rows):
    return (fill(cols, rows) + cup(2, 10) + csi(final="J")
            + fill(cols, 1) + cup(1, 1)
            + cup(4, 5) + "x")


@case("csi_ed_0_1_2_3", 20, 10)
def _csi_ed_all(cols, rows):
    s = fill(cols, rows)
    s += cup(8, 10) + csi(0, final="J")
    s += cup(3, 10) + csi(1, final="J")
    s += cup(5, 5) + "keep" + csi(3, final="J")    # ED 3: scrollback only
    return s


@case("csi_ed_2_keeps_cursor", 20, 6)
def _csi_ed2(cols, rows):
    return fill(cols, rows) + cup(4, 7) + csi(2, final="J") + "here"


@case("csi_el_variants", 20, 6)
def _csi_el(cols, rows):
    return (fill(cols, rows)
            + cup(1, 10) + csi(final="K") + cup(2, 10) + csi(0, final="K")
            + cup(3, 10) + csi(1, final="K") + cup(4, 10) + csi(2, final="K")
            + cup(5, 20) + csi(1, final="K") + cup(6, 1) + csi(0, final="K"))


@case("csi_il_dl", 20, 8)
def _csi_il(cols, rows):
    return (numbered(cols, rows) + cup(3, 5) + csi(2, final="L")
            + cup(6, 5) + csi(final="M") + cup(8, 1) + csi(5, final="L")
            + cup(1, 1) + csi(99, final="M") + "top")


@case("csi_su_sd", 20, 8)
def _csi_su(cols, rows):
    return (numbered(cols, rows) + cup(4, 4) + csi(2, final="S") + "s"
            + csi(3, final="T") + "t" + csi(final="S") + csi(final="T") + "u")


@case("csi_cht_cbt_tbc", 60, 6)
def _csi_tabs(cols, rows):
    return ("\tA" + csi(3, final="I") + "B" + csi(2, final="Z") + "C"
            + "\r\n" + csi(20, final="G") + csi(final="g") + "\r\tD\tE"
            + "\r\n" + csi(3, final="g") + "\tF" + csi(final="Z") + "G"
            + "\r\n" + csi(99, final="I") + "H" + csi(99, final="Z") + "I")


@case("csi_rep", 30, 6)
def _csi_rep(cols, rows):
    return ("a" + csi(5, final="b") + "\r\n"
            + sgr(31) + "x" + csi(final="b") + sgr(0) + "\r\n"
            + "y" + csi(40, final="b") + "\r\n"
            + "\u4e2d" + csi(3, final="b") + "\r\n"
            + ESC + "(0" + "q" + csi(4, final="b") + ESC + "(B")


@case("csi_save_restore_s_u", 30, 6)
def _csi_su_save(cols, rows):
    return (cup(2, 5) + sgr(32) + CSI + "s" + sgr(0) + cup(5, 20) + "far"
            + CSI + "u" + "back")


@case("csi_dsr_da_no_effect", 30, 4)
def _csi_dsr(cols, rows):
    return ("a" + CSI + "5n" + "b" + CSI + "6n" + "c" + CSI + "c" + "d" + CSI + ">c"
            + "e" + CSI + "0c" + "f" + CSI + "?6n" + "g" + CSI + ">0c" + "h")


@case("csi_unknown_consumed", 40, 4)
def _csi_unknown(cols, rows):
    return ("a" + CSI + "?99h" + "b" + CSI + "1;2;3y" + "c" + CSI + ">4;1m" + "d"
            + CSI + "5 q" + "e" + CSI + "!p" + "f" + CSI + "=5u" + "g"
            + CSI + "1$p" + "h" + CSI + "22;0t" + "i" + CSI + "?u" + "j")


@case("csi_many_params", 40, 4)
def _csi_params(cols, rows):
    return ("a" + CSI + ";".join(["1"] * 40) + "m" + "b" + sgr(0)
            + CSI + "99999999999" + "C" + "c" + cup(2, 1)
            + CSI + "1;;;;;;;;;;;;;;;;;;;;;;;31m" + "d")


# ----------------------------------------------------------------- DECSTBM

@case("decstbm_scroll_region", 20, 10)
def _decstbm(cols, rows):
    return (numbered(cols, rows) + csi(3, 7, final="r")
            + cup(7, 1) + "\nA\nB\nC"          # LF at bottom margin scrolls region
            + cup(3, 5) + ESC + "M" + ESC + "M" + "R"   # RI at top margin
            + cup(10, 1) + "\n\nbelow"         # below the region: no scroll of region
            + CSI + "r" + "home")              # reset: cursor home


@case("decstbm_il_dl_su_sd", 20, 10)
def _decstbm_ops(cols, rows):
    return (numbered(cols, rows) + csi(2, 8, final="r")
            + cup(4, 1) + csi(2, final="L")
            + cup(6, 1) + csi(1, final="M")
            + csi(2, final="S") + csi(1, final="T")
            + cup(1, 1) + csi(final="L") + "outside"
            + cup(10, 1) + csi(final="M") + "outside2")


@case("decstbm_invalid", 20, 6)
def _decstbm_invalid(cols, rows):
    return (numbered(cols, rows) + csi(5, 3, final="r") + cup(6, 1) + "\nX"
            + csi(4, 4, final="r") + cup(6, 1) + "\nY"
            + csi(2, 99, final="r") + cup(6, 1) + "\nZ")


@case("decstbm_newline_lnm_region", 20, 8)
def _decstbm_lnm(cols, rows):
    return numbered(cols, rows) + csi(2, 5, final="r") + cup(5, 3) + "x\ny\nz" + CSI + "r"


@case("decstbm_bce", 20, 8)
def _decstbm_bce(cols, rows):
    return (numbered(cols, rows) + csi(2, 6, final="r") + sgr(45)
            + cup(6, 1) + "\n\n" + cup(2, 1) + ESC + "M" + csi(2, final="S")
            + csi(final="T") + csi(final="L") + csi(final="M") + sgr(0) + CSI + "r")


@case("origin_mode", 30, 10)
def _origin(cols, rows):
    return (numbered(cols, rows) + csi(3, 7, final="r") + CSI + "?6h"
            + "home" + cup(2, 5) + "r2c5" + cup(99, 99) + "clamp"
            + csi(99, final="A") + "up" + csi(99, final="B") + "down"
            + csi(1, final="d") + "vpa1"
            + CSI + "?6l" + "off")


@case("origin_mode_reset_by_decstbm", 30, 8)
def _origin2(cols, rows):
    return (csi(4, 6, final="r") + CSI + "?6h" + cup(2, 2) + "in"
            + csi(2, 7, final="r") + "after-stbm" + CSI + "?6l" + CSI + "r")


# ----------------------------------------------------------------- modes

@case("mode_irm", 30, 4)
def _irm(cols, rows):
    line = "0123456789abcdefghijklmnopqrst"
    return (line + cup(1, 5) + CSI + "4h" + "INS" + CSI + "4l" + "rep"
            + cup(2, 1) + line + cup(2, 28) + CSI + "4h" + "xyz" + CSI + "4l"
            + cup(3, 1) + "\u4e2d\u6587" + cup(3, 1) + CSI + "4h" + "ab" + CSI + "4l")


@case("mode_lnm", 30, 6)
def _lnm(cols, rows):
    return ("one" + CSI + "20h" + "\ntwo\x0bthree\x0cfour" + CSI + "20l"
            + "\nfive")


@case("mode_decawm_off", 10, 4)
def _decawm(cols, rows):
    return (CSI + "?7l" + "0123456789ABCDEF" + "\r\n"
            + CSI + "?7h" + "0123456789ABCDEF" + "\r\n"
            + CSI + "?7l" + "abcdefghi\u4e2d\u6587x" + CSI + "?7h")


@case("mode_dectcem_hidden", 20, 4)
def _dectcem(cols, rows):
    return "hidden" + CSI + "?25l"


@case("mode_dectcem_shown_again", 20, 4)
def _dectcem2(cols, rows):
    return CSI + "?25l" + "x" + CSI + "?25h" + "y"


@case("mode_decckm_bracketed_paste_mouse", 30, 4)
def _modes_invisible(cols, rows):
    return (CSI + "?1h" + CSI + "?2004h" + CSI + "?1000h" + CSI + "?1002h"
            + CSI + "?1003h" + CSI + "?1006h" + CSI + "?1004h" + "modes set"
            + CSI + "?1;2004;1000;1006l" + "\r\nreset")


@case("mode_47_alt_screen", 30, 6)
def _alt47(cols, rows):
    return (fill(cols, rows) + cup(3, 3) + CSI + "?47h" + "on alt" + cup(5, 5) + "x")


@case("mode_47_back", 30, 6)
def _alt47b(cols, rows):
    return (fill(cols, rows) + cup(3, 3) + CSI + "?47h" + "on alt" + cup(5, 5)
            + CSI + "?47l" + "back")


@case("mode_1047", 30, 6)
def _alt1047(cols, rows):
    return (fill(cols, rows) + cup(2, 4) + CSI + "?1047h" + "alt1" + CSI + "?1047l"
            + "main" + CSI + "?1047h" + "alt2")


@case("mode_1048_save_cursor", 30, 6)
def _m1048(cols, rows):
    return (cup(3, 7) + sgr(4) + CSI + "?1048h" + sgr(0) + cup(6, 1) + "bottom"
            + CSI + "?1048l" + "restored")


@case("mode_1049_enter", 30, 6)
def _m1049(cols, rows):
    return (fill(cols, rows) + cup(4, 4) + sgr(41) + CSI + "?1049h" + "alt screen"
            + cup(6, 1) + "last")


@case("mode_1049_roundtrip", 30, 6)
def _m1049b(cols, rows):
    return (fill(cols, rows) + cup(4, 4) + sgr(32) + CSI + "?1049h" + sgr(0)
            + "alt screen text" + cup(6, 1) + "last"
            + CSI + "?1049l" + "restored" + CSI + "?1049h" + "alt is cleared")


@case("mode_1049_exit", 30, 6)
def _m1049c(cols, rows):
    return (fill(cols, rows) + cup(4, 4) + CSI + "?1049h" + "alt"
            + CSI + "?1049l" + "main again")


@case("mode_alt_no_scrollback_scroll", 20, 5)
def _alt_scroll(cols, rows):
    return (CSI + "?1049h" + "\r\n".join("alt line %d" % i for i in range(12))
            + CSI + "?1049l" + "\r\n".join("main %d" % i for i in range(9)))


@case("mode_decscnm_reverse_video", 20, 4)
def _decscnm(cols, rows):
    return "x" + CSI + "?5h" + "y" + CSI + "?5l" + "z"


# ------------------------------------------------------------------- SGR

@case("sgr_basic_attributes", 80, 24)
def _sgr_basic(cols, rows):
    s = ""
    for n in [1, 2, 3, 4, 5, 6, 7, 8, 9, 53]:
        s += sgr(n) + "attr%d" % n + sgr(0) + " "
    s += "\r\n"
    # set everything, then reset one by one
    s += sgr(1, 2, 3, 4, 5, 7, 8, 9, 53) + "all"
    for n in [21, 22, 23, 24, 25, 27, 28, 29, 55]:
        s += sgr(n) + "-%d" % n
    s += sgr(0) + "\r\n"
    s += sgr(1) + "b" + sgr(2) + "bd" + sgr(22) + "none" + sgr(2) + "d" + sgr(1) + "db" + sgr(0)
    s += "\r\n" + sgr(4) + "u" + sgr(21) + "dbl" + sgr(24) + "off" + sgr(0)
    s += "\r\n" + sgr(7) + "inverse " + sgr(31, 42) + "inv colours" + sgr(27) + " plain" + sgr(0)
    return s


@case("sgr_16_colours", 80, 24)
def _sgr16(cols, rows):
    s = ""
    for n in list(range(30, 38)) + [39] + list(range(90, 98)):
        s += sgr(n) + "f%d " % n
    s += sgr(0) + "\r\n"
    for n in list(range(40, 48)) + [49] + list(range(100, 108)):
        s += sgr(n) + "b%d " % n
    s += sgr(0) + "\r\n"
    s += sgr(1, 31) + "bold red" + sgr(0) + sgr(31, 42) + "combo" + sgr(39) + "fgdef" + sgr(49) + "bgdef"
    s += "\r\n" + sgr(31) + "a" + sgr() + "b" + sgr(32) + "c" + CSI + ";m" + "d"
    return s


@case("sgr_256_colours", 80, 24)
def _sgr256(cols, rows):
    s = ""
    for i in range(256):
        s += csi(38, 5, i, final="m") + csi(48, 5, 255 - i, final="m") + "%02x" % i
        if i % 32 == 31:
            s += sgr(0) + "\r\n"
    return s + sgr(0)


@case("sgr_truecolour", 80, 10)
def _sgrtc(cols, rows):
    s = ""
    for i in range(0, 256, 8):
        s += csi(38, 2, i, 255 - i, (i * 7) % 256, final="m") + "#"
    s += sgr(0) + "\r\n"
    for i in range(0, 256, 8):
        s += csi(48, 2, (i * 3) % 256, i, 128, final="m") + " "
    s += sgr(0) + "\r\n"
    s += csi(38, 2, 255, 0, 0, final="m") + "red-rgb" + csi(38, 5, 196, final="m") + "red-idx"
    s += csi(38, 2, 0, 0, 0, final="m") + "black-rgb" + sgr(0) + "\r\n"
    s += csi(38, 2, 1, 2, 3, 48, 2, 4, 5, 6, 1, final="m") + "mixed" + sgr(0)
    return s


@case("sgr_colon_forms", 80, 10)
def _sgr_colon(cols, rows):
    return (CSI + "38:5:196m" + "a" + CSI + "48:5:21m" + "b" + sgr(0) + "\r\n"
            + CSI + "38:2::10:20:30m" + "c" + CSI + "48:2::40:50:60m" + "d" + sgr(0) + "\r\n"
            + CSI + "38:2:0:70:80:90m" + "e" + sgr(0) + "\r\n"
            + CSI + "4:3m" + "curly" + CSI + "4:0m" + "none" + CSI + "4:1m" + "single"
            + CSI + "24m" + CSI + "4:2m" + "double" + CSI + "4:4m" + "dotted" + CSI + "4:5m"
            + "dashed" + sgr(0) + "\r\n"
            + CSI + "1;38:5:46;4m" + "mixed" + sgr(0) + "\r\n"
            + CSI + "58:5:196m" + "ulcolour" + CSI + "59m" + "x" + sgr(0))


@case("sgr_edge_cases", 80, 10)
def _sgr_edge(cols, rows):
    return (csi(38, 5, 300, final="m") + "bad-index" + sgr(0) + "\r\n"
            + csi(38, 5, final="m") + "incomplete" + sgr(0) + "\r\n"
            + csi(38, 2, 300, 1, 1, final="m") + "bad-rgb" + sgr(0) + "\r\n"
            + csi(1, 38, 5, 2, 3, final="m") + "after-ext" + sgr(0) + "\r\n"
            + csi(99, final="m") + "unknown" + csi(31, 199, 4, final="m") + "keep" + sgr(0))


@case("sgr_attributes_on_erase", 30, 6)
def _sgr_erase(cols, rows):
    # Erased cells keep only the background colour (back-colour erase).
    return (fill(cols, rows) + sgr(1, 4, 7, 31, 43) + cup(2, 5) + csi(final="K")
            + cup(3, 1) + csi(5, final="X") + cup(4, 10) + csi(1, final="K")
            + cup(6, 1) + csi(48, 2, 10, 20, 30, final="m") + csi(2, final="K") + sgr(0))


# ------------------------------------------------------------ OSC / strings

@case("osc_title_bel", 30, 4)
def _osc0(cols, rows):
    return "a" + OSC + "0;title zero" + BEL + "b"


@case("osc_title_st", 30, 4)
def _osc2(cols, rows):
    return "a" + OSC + "2;title two" + ST + "b" + OSC + "1;icon only" + BEL + "c"


@case("osc_title_utf8", 30, 4)
def _osc_utf8(cols, rows):
    return OSC + "2;t\u00eftle \u4e2d\u6587 \U0001F600" + BEL + "x"


@case("osc_unknown_consumed", 40, 6)
def _osc_unknown(cols, rows):
    return ("a" + OSC + "52;c;aGVsbG8=" + BEL + "b"
            + OSC + "10;?" + ST + "c" + OSC + "4;1;rgb:ff/00/00" + BEL + "d"
            + OSC + "777;notify;x;y" + BEL + "e" + OSC + "1337;whatever" + ST + "f"
            + OSC + "8;;http://example.invalid/" + ST + "link" + OSC + "8;;" + ST + "g"
            + OSC + "112" + BEL + "h" + OSC + "999;junk\x1b\\" + "i")


@case("dcs_apc_pm_sos_consumed", 40, 6)
def _strings(cols, rows):
    return ("a" + DCS + "1$qm" + ST + "b"
            + DCS + "+q544e" + ST + "c"
            + DCS + "0;1|17/ab" + ST + "d"
            + ESC + "_" + "apc payload ; with [stuff" + ST + "e"
            + ESC + "^" + "privacy message" + ST + "f"
            + ESC + "X" + "start of string" + ST + "g"
            + DCS + "q#0;2;0;0;0#0~~@@vv@@~~@@~~$-" + ST + "h"
            + "\r\n" + ESC + "_G" + "a=T,f=100;AAAA" + ST + "kitty-apc")


@case("strings_with_c0_and_utf8", 40, 4)
def _strings_c0(cols, rows):
    return ("a" + DCS + "x\ny\rz\u4e2d" + ST + "b"
            + ESC + "_" + "line\nfeed" + ST + "c"
            + OSC + "2;with\u00e9" + BEL + "d")


# --------------------------------------------------------------- Unicode

@case("unicode_wide_cjk", 20, 6)
def _cjk(cols, rows):
    return ("\u4e2d\u6587\u5b57\u7b26 ab \u65e5\u672c\u8a9e\r\n"
            + "\ud55c\uad6d\uc5b4 \u3042\u3044\u3046 \uff21\uff22\r\n"
            + "x" * 19 + "\u4e2d" + "\r\n"                 # wide at last column wraps
            + "\r\n" + "y" * 18 + "\u6587")                # fits exactly


@case("unicode_emoji", 30, 6)
def _emoji(cols, rows):
    return ("\U0001F600\U0001F680\U0001F44D ok\r\n"
            + "\U0001F44D\U0001F3FD skin\r\n"            # modifier
            + "\U0001F468\u200d\U0001F469\u200d\U0001F467 zwj\r\n"
            + "\u2764\ufe0f heart \u263a\ufe0f smile\r\n"
            + "\U0001F1E9\U0001F1EA flag")


@case("unicode_combining", 30, 6)
def _combining(cols, rows):
    return ("e\u0301 a\u0308 o\u0302\u0323 n\u0303\r\n"
            + "\u4e2d\u0301 wide+mark\r\n"
            + "x\u20dd enclosed \u0915\u094d\u0937\r\n"
            + "\u0301 lone-mark-at-start\r\n"
            + "z" * 29 + "q\u0302" + "\r\n")


@case("unicode_misc_widths", 40, 6)
def _misc(cols, rows):
    return ("\u00e9\u00df\u03a9\u0416 latin-ext\r\n"
            + "\u200b zero-width-space\u00ad soft-hyphen\r\n"
            + "\u2500\u2502\u250c\u2510 box \u2588\u2592 blocks\r\n"
            + "\uff76\uff9e halfwidth-kana \u3000 ideographic-space\r\n"
            + "\U00020000 ext-b \u2e80 radical")


@case("unicode_overwrite_wide_halves", 20, 6)
def _overwrite(cols, rows):
    return ("\u4e2d\u6587\u5b57" + cup(1, 2) + "x"          # overwrite 2nd half
            + cup(2, 1) + "\u4e2d\u6587\u5b57" + cup(2, 3) + "y"   # overwrite 1st half
            + cup(3, 1) + "\u4e2d\u6587\u5b57" + cup(3, 2) + "\u65e5"  # wide on 2nd half
            + cup(4, 1) + "\u4e2d\u6587\u5b57" + cup(4, 2) + csi(final="@")
            + cup(5, 1) + "\u4e2d\u6587\u5b57" + cup(5, 2) + csi(final="P")
            + cup(6, 1) + "\u4e2d\u6587\u5b57" + cup(6, 4) + csi(final="X"))


@case("unicode_wide_erase_and_el", 20, 4)
def _wide_el(cols, rows):
    return ("\u4e2d\u6587\u5b57\u7b26" + cup(1, 4) + csi(final="K")
            + cup(2, 1) + "\u4e2d\u6587\u5b57\u7b26" + cup(2, 4) + csi(1, final="K"))


@case("unicode_partial_utf8_every_offset", 40, 10)
def _partial(cols, rows):
    # Multi-byte characters at every alignment relative to a 7-byte chunk boundary.
    s = ""
    for pad in range(7):
        s += "." * pad + "\u00e9\u4e2d\U0001F600\u20ac\u2026\u2014\u3000" + sgr(31) + "\u00fc" + sgr(0) + "\r\n"
    return s


@case("unicode_invalid_utf8", 40, 4)
def _invalid(cols, rows):
    # Returned as bytes: stray continuation bytes, truncated sequences, overlong forms.
    return (b"a\x80b\xc3c\xe4\xb8d\xf0\x9f\x98e\xc0\xafz\xed\xa0\x80y\xff\xfe" + b"\r\nok")


# ------------------------------------------------------------ deferred wrap

@case("wrap_deferred_cr", 10, 4)
def _wrap_cr(cols, rows):
    return "0123456789\rX"


@case("wrap_deferred_lf", 10, 4)
def _wrap_lf(cols, rows):
    return "0123456789\nX"


@case("wrap_deferred_print", 10, 4)
def _wrap_print(cols, rows):
    return "0123456789X"


@case("wrap_deferred_cursor_pos", 10, 4)
def _wrap_pos(cols, rows):
    return "0123456789"


@case("wrap_deferred_cub_cuf", 10, 6)
def _wrap_cub(cols, rows):
    return ("0123456789" + csi(final="D") + "X\r\n"
            + "0123456789" + csi(final="C") + "Y\r\n"
            + "0123456789" + csi(final="G") + "Z\r\n"
            + "0123456789" + ESC + "7" + "\r\n" + ESC + "8" + "W")


@case("wrap_deferred_bottom_scroll", 10, 3)
def _wrap_bottom(cols, rows):
    return "aaaaaaaaaa" "bbbbbbbbbb" "cccccccccc" "d"


@case("wrap_deferred_el_and_sgr", 10, 4)
def _wrap_el(cols, rows):
    return "0123456789" + sgr(41) + csi(final="K") + sgr(0) + "\r\n" + "0123456789" + sgr(1) + "X"


@case("wrap_long_line", 80, 24)
def _wrap_long(cols, rows):
    return "".join(chr(0x41 + (i % 26)) for i in range(500)) + "\r\nend"


@case("wrap_in_scroll_region", 10, 6)
def _wrap_region(cols, rows):
    return csi(2, 4, final="r") + cup(4, 1) + "x" * 25 + CSI + "r"


# ------------------------------------------------------------------- tabs

@case("tabs_default_stops", 80, 6)
def _tabs(cols, rows):
    return ("\t1\t2\t3\t4\t5\t6\t7\t8\t9\t10\t11\r\n"
            + "x" * 75 + "\ty\r\n"
            + "abc\tdef\tghijklmnop\tq\r\n"
            + sgr(41) + "\t" + sgr(0) + "after-coloured-tab")


@case("tabs_wide_terminal", 120, 4)
def _tabs_wide(cols, rows):
    return "\t".join(str(i) for i in range(20)) + "\r\n" + csi(5, final="I") + "x"


@case("tabs_after_wrap_pending", 10, 4)
def _tabs_wrap(cols, rows):
    return "0123456789\tX"


# ----------------------------------------------------------- erase with bg

@case("bce_ed_el_ech", 30, 8)
def _bce(cols, rows):
    return (fill(cols, rows) + sgr(44) + cup(2, 10) + csi(final="K")
            + sgr(45) + cup(3, 10) + csi(1, final="K")
            + csi(48, 5, 208, final="m") + cup(4, 5) + csi(7, final="X")
            + csi(48, 2, 1, 2, 3, final="m") + cup(6, 1) + csi(final="J") + sgr(0) + "x")


@case("bce_ed2_full", 20, 5)
def _bce_ed2(cols, rows):
    return fill(cols, rows) + sgr(42, 1, 7) + csi(2, final="J") + sgr(0) + "after"


@case("bce_scroll_lf", 20, 5)
def _bce_lf(cols, rows):
    return numbered(cols, rows) + cup(5, 1) + sgr(46) + "\n\n" + sgr(0) + "x"


@case("bce_ich_dch_il_dl", 20, 6)
def _bce_ins(cols, rows):
    return (numbered(cols, rows) + sgr(43)
            + cup(1, 5) + csi(3, final="@") + cup(2, 5) + csi(3, final="P")
            + cup(4, 1) + csi(final="L") + cup(5, 1) + csi(final="M") + sgr(0))


# -------------------------------------------------------------- scrolling

@case("scroll_many_lines", 80, 24)
def _scroll(cols, rows):
    return "".join("line %05d %s\r\n" % (i, "=" * (i % 60)) for i in range(3000))


@case("scroll_many_lines_120", 120, 40)
def _scroll120(cols, rows):
    return "".join(sgr(31 + i % 7) + "row %d " % i + sgr(0) + "x" * (i % 150) + "\r\n"
                   for i in range(1500))


@case("clear_sequence_like_clear", 80, 24)
def _clear(cols, rows):
    return numbered(cols, rows) + CSI + "H" + CSI + "2J" + CSI + "3J" + "$ prompt"


# ---------------------------------------------------------- composite

@case("composite_tui_frame", 120, 40)
def _tui(cols, rows):
    s = CSI + "?1049h" + CSI + "?25l" + sgr(0, 44) + CSI + "2J"
    s += cup(1, 1) + sgr(1, 37, 44) + " File  Edit  View ".ljust(cols) + sgr(0, 44)
    s += ESC + "(0" + cup(3, 5) + "l" + "q" * 50 + "k"
    for r in range(4, 20):
        s += cup(r, 5) + "x" + cup(r, 56) + "x"
    s += cup(20, 5) + "m" + "q" * 50 + "j" + ESC + "(B"
    for i, item in enumerate(["Open", "Save", "\u4e2d\u6587 menu", "Quit \U0001F600"]):
        s += cup(5 + i, 8) + (sgr(7) if i == 1 else sgr(0, 44)) + item.ljust(20) + sgr(0, 44)
    s += csi(40, 1, final="H") + sgr(30, 47) + csi(2, final="K") + " status" + sgr(0)
    s += cup(6, 9) + CSI + "?25h"
    return s


# ------------------------------------------------------------ more edges

@case("edge_decsc_per_buffer", 30, 6)
def _sc_per_buffer(cols, rows):
    return (cup(2, 3) + ESC + "7" + CSI + "?1049h" + cup(5, 10) + ESC + "7"
            + cup(1, 1) + ESC + "8" + "alt-restored" + CSI + "?1049l"
            + ESC + "8" + "main-restored")


@case("edge_1049_twice_and_47_inside", 30, 6)
def _alt_twice(cols, rows):
    return (fill(cols, rows) + CSI + "?1049h" + "one" + CSI + "?1049h" + "two"
            + CSI + "?47l" + "x" + CSI + "?1049l" + "y")


@case("edge_wide_at_margin_nowrap", 10, 4)
def _wide_nowrap(cols, rows):
    return (CSI + "?7l" + "abcdefghi" + "\u4e2d" + "\r\n" + "abcdefgh" + "\u4e2d\u6587"
            + CSI + "?7h" + "\r\n" + "abcdefghi" + "\u4e2d" + "z")


@case("edge_combining_after_wrap_and_moves", 10, 5)
def _comb_moves(cols, rows):
    return ("0123456789" + "\u0301" + "\r\n" + "ab" + csi(final="C") + "\u0308"
            + "\r\n" + "\u4e2d" + "\u0301x" + "\r\n" + "a\u200db"
            + "\r\n" + "e" + "\ufe0f" + "\u20e3")


@case("edge_rep_after_controls", 30, 6)
def _rep_edges(cols, rows):
    return ("a\r\n" + csi(3, final="b") + "|" + "\r\n" + "b" + sgr(1) + csi(2, final="b")
            + "\r\n" + "c" + cup(4, 10) + csi(2, final="b") + "\r\n"
            + "x" * 28 + "y" + csi(5, final="b"))


@case("edge_scroll_region_with_alt_and_scrollback", 20, 8)
def _region_alt(cols, rows):
    return ("\r\n".join("main %d" % i for i in range(20)) + csi(3, 6, final="r")
            + CSI + "?1049h" + cup(6, 1) + "\n\n\nalt" + CSI + "?1049l" + cup(6, 1)
            + "\n\nmain-after" + CSI + "r")


@case("edge_il_dl_with_pending_wrap", 10, 5)
def _il_pending(cols, rows):
    return (numbered(cols, rows) + cup(2, 1) + "abcdefghij" + csi(final="L") + "X"
            + cup(4, 1) + "klmnopqrst" + csi(final="M") + "Y")


@case("edge_ech_dch_past_end", 10, 3)
def _ech_end(cols, rows):
    return ("0123456789" + csi(3, final="X") + "\r\n" + "0123456789" + csi(3, final="P")
            + "\r\n" + "0123456789" + csi(3, final="@") + "z")


@case("edge_cursor_moves_clear_pending_wrap", 10, 6)
def _moves_pending(cols, rows):
    s = ""
    for seq in [csi(final="A"), csi(final="B"), csi(final="d"), csi(3, final="G"), "\b"]:
        s += cup(s.count("\r\n") + 2, 1) + "0123456789" + seq + "Q" + "\r\n"
    return s


@case("edge_sgr_reset_keeps_bce_default", 20, 4)
def _sgr_bce(cols, rows):
    return (sgr(41) + "red-bg" + sgr(0) + csi(final="K") + "\r\n" + sgr(7) + csi(final="K")
            + sgr(0) + "\r\n" + sgr(8) + csi(2, final="K") + "hidden" + sgr(0)
            + "\r\n" + sgr(4, 44) + csi(3, final="X") + sgr(0))


@case("edge_long_osc_and_dcs", 30, 4)
def _long_strings(cols, rows):
    return ("a" + OSC + "2;" + "t" * 5000 + BEL + "b" + DCS + "q" + "#" * 20000 + ST + "c"
            + ESC + "_" + "x" * 10000 + ST + "d")


@case("unicode_zero_width_split_every_offset", 40, 10)
def _zw_split(cols, rows):
    # Zero-width joiners / selectors at every alignment relative to a 7-byte chunk
    # boundary: a ZWJ sequence split over two network reads must still join.
    s = ""
    for pad in range(7):
        s += ("." * pad + "z\u200dy \u4e2d\u200d \U0001F468\u200d\U0001F469 "
              + "\u2764\ufe0f e\u0301" + "\r\n")
    return s


# ------------------------------------------------ VT420 editing set (issue 22)

def decsca(p):
    return csi(p, final='"q')


@case("decsca_decsel_modes", 20, 6)
def _decsel(cols, rows):
    s = ""
    for mode in (0, 1, 2):
        s += (cup(mode * 2 + 1, 1) + "ab" + sgr(31) + decsca(1) + "PROT" + decsca(0) + "cd"
              + decsca(1) + "\u4e2d" + decsca(2) + "ef" + sgr(0) + cup(mode * 2 + 1, 4)
              + sgr(44) + csi(mode, final="K", prefix="?") + sgr(0))
    return s


@case("decsca_decsed_modes", 12, 5)
def _decsed(cols, rows):
    out = ""
    for mode in (0, 1, 2):
        out += (numbered(cols, rows) + cup(2, 3) + decsca(1) + "PP" + cup(4, 8) + "QQ"
                + decsca(0) + cup(3, 5) + csi(mode, final="J", prefix="?") + "\r\n")
    return out + cup(1, 1) + decsca(1) + "x" + sgr(0) + "y" + csi(final="K", prefix="?")


@case("decsca_not_for_ed_el_ech", 12, 4)
def _decsca_plain(cols, rows):
    return (decsca(1) + "protected" + decsca(0) + cup(1, 3) + csi(2, final="X")
            + "\r\n" + decsca(1) + "more" + csi(final="K") + "\r\n" + "x" + csi(2, final="J"))


@case("decsca_saved_by_decsc", 12, 3)
def _decsca_sc(cols, rows):
    return (decsca(1) + ESC + "7" + decsca(0) + "ab" + ESC + "8" + cup(1, 3) + "cd"
            + cup(1, 1) + csi(2, final="K", prefix="?"))


@case("decic_decdc", 12, 6)
def _decic(cols, rows):
    return (numbered(cols, rows) + cup(2, 5) + csi(2, final="'}") + cup(4, 3)
            + csi(3, final="'~") + csi(3, 5, final="r") + cup(4, 2) + sgr(42)
            + csi(final="'}") + csi(final="'~") + csi(final="'~") + cup(1, 1)
            + csi(final="'}") + csi(final="r"))


@case("decic_decdc_wide_and_edges", 10, 4)
def _decic_wide(cols, rows):
    return ("a\u4e2db\u6587c" + cup(1, 3) + csi(final="'}") + "\r\n"
            + "a\u4e2db\u6587c" + cup(2, 3) + csi(final="'~") + "\r\n"
            + "0123456789" + csi(final="'}") + "\r\n"
            + "0123456789" + csi(99, final="'~") + "Z")


@case("decic_decdc_clear_wrapped", 8, 4)
def _decic_wrap(cols, rows):
    return "0123456789abcdef" + cup(2, 2) + csi(final="'}") + cup(4, 1) + "xy"


def cases():
    out = {}
    for name, (fn, cols, rows) in _CASES.items():
        data = fn(cols, rows)
        if isinstance(data, str):
            data = data.encode("utf-8", "surrogatepass")
        out[name] = (data, cols, rows)
    return out


if __name__ == "__main__":
    dest = sys.argv[1] if len(sys.argv) > 1 else "scripted-out"
    os.makedirs(dest, exist_ok=True)
    for name, (data, cols, rows) in cases().items():
        with open(os.path.join(dest, "%s.%dx%d.bin" % (name, cols, rows)), "wb") as f:
            f.write(data)
    print("%d cases written to %s" % (len(_CASES), dest))
