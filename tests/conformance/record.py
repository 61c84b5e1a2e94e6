#!/usr/bin/env python3
"""Re-record the AnsiTerm conformance corpus (tests/conformance/corpus/*.bin).

Runs real programs in a real pty (TERM=xterm-256color, UTF-8 locale, a clean HOME and a
fixed prompt) at 80x24 and at 120x40, types scripted keystrokes into them and saves the
raw bytes the programs wrote.  The corpus is committed; CI replays it and needs none of
these programs.  Recording needs (Debian):

    apt-get install -y vim less procps htop mc dialog nano vttest

Usage:
    python3 tests/conformance/record.py              # everything, both sizes
    python3 tests/conformance/record.py vim less     # only these recordings
    python3 tests/conformance/record.py --list

Recordings are deterministic enough to be useful (same programs, same files, same
keys), not byte-reproducible (top/htop show live numbers, ls shows this machine's
/usr/bin).  Each stream is named NAME.COLSxROWS.bin; a recording may also save
checkpoints (the output up to a moment inside the program) as separate streams, so
that the final screen of one stream is the program's own screen and of another the
shell after the program exited.
"""

import fcntl
import json
import os
import pty
import re
import select
import shutil
import signal
import struct
import sys
import tempfile
import termios
import time

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")
SIZES = [(80, 24), (120, 40)]
MAX_STREAM = 400 * 1024  # keep every stream modest

PROMPT = r"\[\e[1;32m\]user@xwterm\[\e[0m\]:\[\e[1;34m\]\w\[\e[0m\]\$ "


class Session:
    """An interactive bash in a pty of the given size; collects everything it writes."""

    def __init__(self, cols, rows, home):
        self.cols, self.rows, self.home = cols, rows, home
        self.out = bytearray()
        self.checkpoints = {}
        self.answers = ()       # [(regex, reply)]: what a terminal would answer to a query
        env = {
            "TERM": "xterm-256color", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
            "HOME": home, "PATH": "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin",
            "PS1": PROMPT, "USER": "user", "LOGNAME": "user", "SHELL": "/bin/bash",
            "HISTFILE": os.path.join(home, ".bash_history"), "EDITOR": "vim",
            "LESSHISTFILE": "-", "MC_SKIN": "default", "TZ": "UTC",
        }
        pid, fd = pty.fork()
        if pid == 0:  # child
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
            os.chdir(home)
            os.execve("/bin/bash", ["bash", "--noprofile", "--rcfile",
                                    os.path.join(home, ".bashrc"), "-i"], env)
        self.pid, self.fd = pid, fd
        self.quiet()

    # -- output
    def pump(self, timeout):
        r, _, _ = select.select([self.fd], [], [], timeout)
        if not r:
            return False
        try:
            data = os.read(self.fd, 65536)
        except OSError:
            return False
        if not data:
            return False
        self.out += data
        for query, reply in self.answers:
            for _ in query.finditer(data):
                os.write(self.fd, reply)
        return True

    def quiet(self, idle=0.4, limit=8.0):
        """Read until the program has been silent for `idle` seconds (or `limit`)."""
        end = time.time() + limit
        while time.time() < end:
            if not self.pump(idle):
                return

    def wait(self, seconds):
        end = time.time() + seconds
        while time.time() < end:
            self.pump(max(0.0, end - time.time()))

    def wait_for(self, pattern, limit=10.0):
        rx = re.compile(pattern.encode() if isinstance(pattern, str) else pattern)
        start = len(self.out)
        end = time.time() + limit
        while time.time() < end:
            if rx.search(self.out, max(0, start - 200)):
                return True
            self.pump(0.1)
        return False

    # -- input
    def app_cursor(self):
        """True when the program switched the keys to application mode (DECCKM)."""
        on, off = self.out.rfind(b"\x1b[?1h"), self.out.rfind(b"\x1b[?1l")
        return on > off

    def key(self, name):
        arrows = {"up": "A", "down": "B", "right": "C", "left": "D"}
        if name in arrows:
            return ("\x1bO" if self.app_cursor() else "\x1b[") + arrows[name]
        table = {"enter": "\r", "esc": "\x1b", "tab": "\t", "bs": "\x7f", "space": " ",
                 "pgdn": "\x1b[6~", "pgup": "\x1b[5~", "home": "\x1b[H", "end": "\x1b[F",
                 "f3": "\x1bOR", "f10": "\x1b[21~", "f5": "\x1b[15~"}
        if name in table:
            return table[name]
        if name.startswith("C-"):
            return chr(ord(name[2].lower()) & 0x1f)
        if name.startswith("M-"):
            return "\x1b" + name[2:]
        raise ValueError(name)

    def send(self, text, idle=0.4, limit=8.0):
        os.write(self.fd, text.encode("utf-8"))
        self.quiet(idle, limit)

    def type(self, text, idle=0.3):
        """Type text a few characters at a time, like a (fast) person."""
        for i in range(0, len(text), 8):
            os.write(self.fd, text[i:i + 8].encode("utf-8"))
            self.pump(0.02)
        self.quiet(idle)

    def keys(self, *names, idle=0.3):
        for n in names:
            os.write(self.fd, self.key(n).encode())
            self.quiet(idle)

    def run(self, command, idle=0.6, limit=15.0):
        self.type(command, idle=0.1)
        self.send("\r", idle, limit)

    def checkpoint(self, name):
        self.quiet()
        self.checkpoints[name] = bytes(self.out)

    def close(self):
        self.quiet(0.3, 2.0)
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            os.waitpid(self.pid, 0)
        except ChildProcessError:
            pass
        os.close(self.fd)


# ----------------------------------------------------------------- fixtures

def make_home():
    home = tempfile.mkdtemp(prefix="xwterm-rec-")
    with open(os.path.join(home, ".bashrc"), "w") as f:
        f.write("PS1='%s'\nHISTSIZE=1000\nalias ls='ls --color=auto'\n" % PROMPT)
    with open(os.path.join(home, ".vimrc"), "w") as f:
        f.write("set nocompatible\nsyntax on\nset number\nset ruler\nset laststatus=2\n"
                "set noswapfile\nset nobackup\nset viminfo=\nset t_Co=256\n"
                "set background=dark\nset showcmd\nset hlsearch\n")
    os.makedirs(os.path.join(home, ".config", "mc"), exist_ok=True)
    with open(os.path.join(home, ".config", "mc", "ini"), "w") as f:
        f.write("[Midnight-Commander]\nuse_internal_edit=true\nconfirm_exit=false\n"
                "auto_save_setup=false\nskin=default\n")
    proj = os.path.join(home, "project")
    os.makedirs(os.path.join(proj, "src"), exist_ok=True)
    os.makedirs(os.path.join(proj, "docs"), exist_ok=True)
    with open(os.path.join(proj, "src", "inventory.py"), "w") as f:
        f.write(PY_SOURCE)
    with open(os.path.join(proj, "src", "ring.c"), "w") as f:
        f.write(C_SOURCE)
    with open(os.path.join(proj, "docs", "notes.md"), "w") as f:
        f.write(NOTES)
    with open(os.path.join(proj, "docs", "unicode.txt"), "w") as f:
        f.write(UNICODE_TEXT)
    with open(os.path.join(proj, "docs", "journal.txt"), "w") as f:
        f.write(long_text(1500))
    for i in range(12):
        with open(os.path.join(proj, "data-%02d.csv" % i), "w") as f:
            f.write("id,value\n" + "".join("%d,%d\n" % (j, j * i) for j in range(i * 40)))
    return home


PY_SOURCE = '''#!/usr/bin/env python3
"""A small inventory tracker used as a recording fixture."""

import json
from dataclasses import dataclass, field


@dataclass
class Item:
    name: str
    quantity: int = 0
    tags: list = field(default_factory=list)

    def restock(self, amount):
        if amount <= 0:
            raise ValueError("amount must be positive")
        self.quantity += amount
        return self.quantity


class Inventory:
    def __init__(self):
        self.items = {}

    def add(self, name, quantity=0, *tags):
        item = self.items.setdefault(name, Item(name))
        item.quantity += quantity
        item.tags.extend(tags)
        return item

    def low_stock(self, threshold=5):
        return sorted(i.name for i in self.items.values() if i.quantity < threshold)

    def to_json(self):
        return json.dumps({n: i.quantity for n, i in self.items.items()}, indent=2)


def main():
    inv = Inventory()
    for n, q in [("bolts", 120), ("nuts", 3), ("washers", 48), ("gears", 1)]:
        inv.add(n, q, "hardware")
    print("low stock:", ", ".join(inv.low_stock()))
    print(inv.to_json())


if __name__ == "__main__":
    main()
'''

C_SOURCE = '''/* ring.c - a fixed-size ring buffer (recording fixture) */
#include <stdio.h>
#include <string.h>

#define RING_SIZE 16

struct ring {
    unsigned char data[RING_SIZE];
    size_t head, tail, count;
};

static int ring_put(struct ring *r, unsigned char c)
{
    if (r->count == RING_SIZE)
        return -1;
    r->data[r->head] = c;
    r->head = (r->head + 1) % RING_SIZE;
    r->count++;
    return 0;
}

static int ring_get(struct ring *r)
{
    int c;
    if (r->count == 0)
        return -1;
    c = r->data[r->tail];
    r->tail = (r->tail + 1) % RING_SIZE;
    r->count--;
    return c;
}

int main(void)
{
    struct ring r;
    const char *msg = "hello, ring";
    memset(&r, 0, sizeof r);
    for (size_t i = 0; i < strlen(msg); i++)
        ring_put(&r, (unsigned char)msg[i]);
    for (int c; (c = ring_get(&r)) != -1;)
        putchar(c);
    putchar('\\n');
    return 0;
}
'''

NOTES = """# Field notes

Things to check before the next release:

1. The server keeps **one** pty per session.
2. Long-poll requests time out after `wait` seconds.
3. The browser terminal draws on a canvas.

> Quote: small tools, sharp edges.

- [ ] write the changelog
- [x] record the conformance corpus
"""

UNICODE_TEXT = """Unicode sampler for the terminal
================================
Chinese:   中文字符测试，终端宽字符显示。
Japanese:  日本語のテキスト、ひらがな・カタカナ・漢字。
Korean:    한국어 텍스트 표시 시험입니다.
Fullwidth: ＡＢＣ １２３ ！？
Emoji:     😀 😃 🚀 🌍 🎉 👍🏽 ❤️ ☕ 🐍 🦀
ZWJ:       👩‍💻 👨‍👩‍👧 🏳️‍🌈
Flags:     🇫🇷 🇯🇵 🇧🇷
Combining: e\u0301 a\u0308 n\u0303 o\u0302\u0323 Z\u0335alg\u0336o
Greek:     Αλφάβητο ελληνικό
Cyrillic:  Русский текст
Arabic:    نص عربي
Hebrew:    טקסט בעברית
Box:       ┌──┬──┐ │ab│cd│ └──┴──┘ ░▒▓█
Mixed:     ab中cd文ef😀gh
"""


def long_text(lines):
    words = ("alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima "
             "mike november oscar papa quebec romeo sierra tango uniform victor whiskey "
             "xray yankee zulu").split()
    out = []
    for i in range(lines):
        n = 4 + (i * 7) % 14
        out.append("%04d %s" % (i + 1, " ".join(words[(i * 3 + k) % len(words)]
                                               for k in range(n))))
        if i % 97 == 0:
            out.append("---- section %d ----" % (i // 97 + 1))
    return "\n".join(out) + "\n"


# --------------------------------------------------------------- recordings

RECORDINGS = {}


def recording(name):
    def deco(fn):
        RECORDINGS[name] = fn
        return fn
    return deco


@recording("vim")
def rec_vim(s):
    s.run("cd project", idle=0.3)
    s.run("vim src/inventory.py", idle=1.5)
    s.keys("down", "down", "down")
    s.send("/def \r")
    s.send("n")
    s.send("o")
    s.type("    # added while recording: ünïcode and 中文\n    pass")
    s.keys("esc")
    s.send(":split src/ring.c\r", idle=0.8)
    s.send("12G")
    s.send("dd")
    s.send("p")
    s.send("\x17w")          # Ctrl-W w: other window
    s.send("G")
    s.send(":vsplit docs/notes.md\r", idle=0.8)
    s.send("jjx")
    s.checkpoint("vim")
    s.send(":qa!\r", idle=0.8)
    s.checkpoint("vim-quit")


# vttest waits for the terminal's identity (DA1, DECRQSS DECSCL) before its menus: answer as a
# VT420-level xterm would, so that its VT220/VT420 tests run.
VTTEST_ANSWERS = (
    (re.compile(rb"\x1b\[0?c"), b"\x1b[?64;1;2;6;9;15;18;21;22c"),
    (re.compile(rb"\x1bP\$q\"p\x1b\\"), b"\x1bP1$r64;1\"p\x1b\\"),
)


@recording("vttest")
def rec_vttest(s):
    """vttest's own checks of DECSCA with DECSED/DECSEL and of DECIC/DECDC."""
    s.answers = VTTEST_ANSWERS
    s.run("vttest", idle=1.0)
    s.send("11\r")                      # non-VT100 terminals
    s.send("1\r")                       # VT220
    s.send("2\r")                       # screen-display functions
    s.send("4\r", idle=0.8)             # protected areas: DECSED, DECSEL
    s.checkpoint("vttest-decsca")
    s.send("\r", idle=0.8)              # then EL, ED
    s.checkpoint("vttest-decsca-eled")
    s.send("\r", idle=0.8)              # then ECH, ICH, DCH
    s.checkpoint("vttest-decsca-ech")
    s.send("\r")
    s.send("0\r")
    s.send("0\r")
    s.send("3\r")                       # VT420
    s.send("3\r")                       # editing sequences
    s.send("9\r", idle=0.8)             # DECIC
    s.checkpoint("vttest-decic")
    s.send("\r", idle=0.8)              # DECDC
    s.checkpoint("vttest-decdc")


@recording("vim-cjk")
def rec_vim_cjk(s):
    s.run("vim project/docs/unicode.txt", idle=1.5)
    s.send("5G")
    s.send("A")
    s.type(" 追加テキスト🎉")
    s.keys("esc")
    s.send("9G$")
    s.send("xx")
    s.checkpoint("vim-cjk")


@recording("less")
def rec_less(s):
    s.run("less -R project/docs/journal.txt", idle=0.8)
    s.keys("space", "space", "down", "down", "down")
    s.send("/section 7\r")
    s.send("n")
    s.keys("up", "up")
    s.send("50%")
    s.send("/oscar papa\r")
    s.checkpoint("less")
    s.send("q")
    s.checkpoint("less-quit")


def start_sleepers(s):
    """A few processes of our own, so that top/htop list only the recording's processes."""
    s.run("sleep 600 & sleep 601 & sleep 602 & PIDS=$$,$(jobs -p | paste -sd, -)",
          idle=0.5)


def stop_sleepers(s):
    s.run("kill %1 %2 %3; wait", idle=0.5)


@recording("top")
def rec_top(s):
    start_sleepers(s)
    s.run("clear; top -d 0.5 -p $PIDS", idle=0.3)
    s.wait(2.2)
    s.checkpoint("top")
    s.send("q")
    s.checkpoint("top-quit")
    stop_sleepers(s)


@recording("htop")
def rec_htop(s):
    start_sleepers(s)
    s.run("clear; htop -d 5 -p $PIDS", idle=0.3)
    s.wait(1.5)
    s.keys("down", "down")
    s.wait(1.2)
    s.send("t")              # tree view
    s.wait(1.0)
    s.checkpoint("htop")
    s.send("q")
    s.checkpoint("htop-quit")
    stop_sleepers(s)


@recording("mc")
def rec_mc(s):
    s.run("cd project", idle=0.3)
    s.run("mc --nosubshell", idle=2.0)
    s.keys("down", "enter", idle=0.6)              # into docs/
    s.keys("down")                                     # journal.txt
    s.keys("tab", "down", "down", "down", idle=0.5)  # other panel
    s.keys("tab", idle=0.5)
    s.keys("f3", idle=0.8)                             # view journal.txt
    s.keys("pgdn", "down", idle=0.5)
    s.checkpoint("mc-view")
    s.keys("f10", idle=0.8)                            # leave the viewer
    s.checkpoint("mc")
    s.keys("f10", idle=1.0)                            # quit mc
    s.checkpoint("mc-quit")


@recording("dialog")
def rec_dialog(s):
    s.run("dialog --backtitle 'xwterm recording' --title 'Pick a tool' --menu "
          "'Which program?' 15 50 6 vim 'text editor' less 'pager' top 'processes' "
          "mc 'file manager' nano 'small editor' htop 'process viewer' "
          "2>/tmp/xwterm-dialog-choice", idle=1.0)
    s.keys("down", "down", "down", "up")
    s.checkpoint("dialog-menu")
    s.keys("enter", idle=0.8)
    s.run("dialog --title 'Packages' --checklist 'Install:' 16 56 7 "
          "vim 'Vi IMproved' on less 'pager' off htop 'viewer' on "
          "mc 'commander' off dialog 'boxes' off nano 'editor' on "
          "2>/tmp/xwterm-dialog-choice", idle=1.0)
    s.keys("down", "space", "down", "down", "space", "down")
    s.checkpoint("dialog-checklist")
    s.keys("enter", idle=0.8)
    s.run("dialog --title 'Done' --yesno 'Proceed with 中文 and émoji 🎉?' 8 44", idle=1.0)
    s.keys("tab")
    s.checkpoint("dialog-yesno")


@recording("nano")
def rec_nano(s):
    s.run("nano -l project/notes-new.txt", idle=1.0)
    s.type("First line typed in nano.\rSecond line with ünïcode and 中文.\r")
    s.type("Third line: the quick brown fox jumps over the lazy dog.\r")
    s.keys("up", "up")
    s.keys("C-k", idle=0.3)             # cut a line
    s.keys("down", "down")
    s.keys("C-u", idle=0.3)             # paste it
    s.keys("C-w", idle=0.5)             # search prompt
    s.type("quick")
    s.keys("enter")
    s.checkpoint("nano")


@recording("bash")
def rec_bash(s):
    s.run("echo hello world")
    s.run("printf '\\033[1;31mred\\033[0m \\033[42mgreen bg\\033[0m \\033[4munder\\033[0m\\n'")
    s.run("for i in 1 2 3; do echo \"item $i\"; done")
    s.run("cd project && ls")
    s.keys("up", "up", idle=0.3)                 # history
    s.keys("C-a", idle=0.2)
    s.type("echo ")
    s.keys("C-e", idle=0.2)
    s.type(" # edited")
    s.keys("M-b", "M-b", idle=0.2)
    s.keys("C-w", idle=0.2)
    s.send("\r", idle=0.5)
    s.keys("C-r", idle=0.3)                       # reverse search
    s.type("hello")
    s.keys("C-r", idle=0.3)
    s.keys("right", idle=0.3)
    s.type(" again")
    s.send("\r", idle=0.5)
    s.type("ls src/ri")
    s.keys("tab", idle=0.5)                       # completion
    s.send("\r", idle=0.5)
    s.type("a very long command line that will certainly wrap past the right margin "
           "of the terminal because it keeps going and going " * 2)
    s.keys("C-a", idle=0.2)
    s.keys("M-f", "M-f", "M-f", idle=0.2)
    s.keys("C-k", idle=0.3)
    s.keys("C-u", idle=0.3)
    s.type("echo done")
    s.send("\r", idle=0.5)
    s.checkpoint("bash")


@recording("ls-color")
def rec_ls(s):
    s.run("ls --color=always -la /usr/bin | head -n 700", idle=1.0)
    s.run("ls --color=always -la /etc /usr/share | head -n 200", idle=1.0)
    s.checkpoint("ls-color")


@recording("long-scroll")
def rec_scroll(s):
    s.run("seq -f 'line %06g: the quick brown fox jumps over the lazy dog' 1 4000",
          idle=1.0)
    s.run("cat project/docs/journal.txt | head -n 600", idle=1.0)
    s.checkpoint("long-scroll")


@recording("cjk-emoji")
def rec_cjk(s):
    s.run("cat project/docs/unicode.txt", idle=0.6)
    s.run("printf '\\033[1;33m警告\\033[0m: \\033[7m反転テキスト\\033[0m 🚀 done\\n'")
    s.run("echo 'wrap: 一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十'")
    s.checkpoint("cjk-emoji")


# --------------------------------------------------------------------- main

def main(argv):
    if "--list" in argv:
        print("\n".join(RECORDINGS))
        return 0
    names = [a for a in argv if not a.startswith("-")] or list(RECORDINGS)
    for n in names:
        if n not in RECORDINGS:
            print("unknown recording %r; --list shows them" % n, file=sys.stderr)
            return 2
    os.makedirs(CORPUS, exist_ok=True)
    manifest_path = os.path.join(CORPUS, "MANIFEST.json")
    manifest = {}
    if os.path.exists(manifest_path):
        with open(manifest_path) as f:
            manifest = json.load(f)
    for name in names:
        for cols, rows in SIZES:
            home = make_home()
            s = Session(cols, rows, home)
            try:
                RECORDINGS[name](s)
            finally:
                s.close()
                shutil.rmtree(home, ignore_errors=True)
            for stream, data in sorted(s.checkpoints.items()):
                if len(data) > MAX_STREAM:
                    print("warning: %s is %d bytes" % (stream, len(data)), file=sys.stderr)
                fn = "%s.%dx%d.bin" % (stream, cols, rows)
                with open(os.path.join(CORPUS, fn), "wb") as f:
                    f.write(data)
                manifest[fn] = {"recording": name, "bytes": len(data),
                                "recorded": time.strftime("%Y-%m-%d", time.gmtime())}
                print("%-34s %8d bytes" % (fn, len(data)))
    with open(manifest_path, "w") as f:
        json.dump(dict(sorted(manifest.items())), f, indent=1)
        f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
