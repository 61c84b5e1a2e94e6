"""Session over the real pty backend: round trips, sizes, text decoding, exit and cleanup."""

import asyncio
import hashlib
import os
import select
import signal

import pytest

from xwterm import (InvalidSessionIdError, Session, SessionClosedError, SessionLimitError,
                    SessionRegistry, TerminalSize, compat)
from xwterm.terminal.posix import PtyTerminal

from procfs import proc_stats

SH = ["/bin/sh"]


def run(coro, timeout=60):
    return compat.run(asyncio.wait_for(coro, timeout))


async def read_until(session, needle):
    """Output up to and including ``needle``."""
    out = ""
    while True:
        text = await session.read()
        if not text:
            raise AssertionError("output ended before %r; got %r" % (needle, out[-500:]))
        out += text
        if needle in out[-(len(text) + len(needle)):]:
            return out


async def read_all(session):
    out = ""
    while True:
        text = await session.read()
        if not text:
            return out
        out += text


def process_gone(pid):
    """True if ``pid`` neither runs nor lingers as a zombie."""
    return not os.path.exists("/proc/%d" % pid)


def test_round_trip_and_exit_status():
    async def main():
        session = Session(SH)
        await session.start()
        await session.write("echo hello-$((6*7)); exit 7\n")
        out = await read_all(session)
        status = await session.wait()
        await session.close()
        return out, status, session

    out, status, session = run(main())
    assert "hello-42" in out
    assert status == 7
    assert session.exit_status == 7
    assert process_gone(session.pid)


def test_initial_size_and_resize_seen_by_stty():
    async def main():
        session = Session(SH, size=TerminalSize(91, 37))
        await session.start()
        await session.write("stty size; echo mark-$((0+1))\n")
        first = await read_until(session, "mark-1\r\n")
        session.resize(TerminalSize(100, 50))
        await session.write("stty size; echo mark-$((1+1))\n")
        second = await read_until(session, "mark-2\r\n")
        await session.close()
        return first, second

    first, second = run(main())
    assert "37 91" in first
    assert "50 100" in second


def test_terminal_environment():
    async def main():
        session = Session(SH)
        await session.start()
        await session.write('echo "[$TERM/$COLORTERM]"; exit\n')
        out = await read_all(session)
        await session.close()
        return out

    assert "[xterm-256color/truecolor]" in run(main())


def test_split_and_invalid_utf8_is_decoded_without_damage():
    # The euro sign is split across two writes with a pause between; 0xff is invalid.
    script = "printf '\\342\\202'; sleep 0.2; printf '\\254|\\377|after\\n'; exit\n"

    async def main():
        session = Session(SH)
        await session.start()
        await session.write("stty -echo\n")
        await session.write(script)
        out = await read_all(session)
        await session.close()
        return out

    out = run(main())
    assert "\u20ac|\ufffd|after" in out


def test_one_mebibyte_of_input_arrives_whole_and_in_order():
    payload = bytes(os.urandom(512 * 1024)).hex()
    digest = hashlib.md5(payload.encode()).hexdigest()

    async def main():
        session = Session(SH)
        await session.start()
        # Raw mode: the line discipline would otherwise cut lines at 4096 bytes.
        await session.write("stty raw -echo; head -c %d | md5sum; exit\n" % len(payload))
        await asyncio.sleep(0.3)
        await session.write(payload)
        out = await read_all(session)
        await session.close()
        return out

    assert digest in run(main())


def test_output_is_flow_controlled_by_the_reader():
    """A reader that stops reading stops the shell: the pty fills up and output waits."""
    async def main():
        session = Session(SH)
        await session.start()
        await session.write("yes flood | head -c 5000000; echo; echo done-$((1+1))\n")
        await read_until(session, "flood")
        await asyncio.sleep(0.5)
        size_while_paused = _proc_children_cpu(session.pid)
        await asyncio.sleep(0.5)
        still = _proc_children_cpu(session.pid)
        out = await read_until(session, "done-2")
        await session.close()
        return size_while_paused, still, out

    paused_a, paused_b, out = run(main(), timeout=120)
    assert paused_a == paused_b
    assert "done-2" in out


def _proc_children_cpu(pid):
    """Total CPU ticks of the processes in session ``pid`` (constant while they are blocked)."""
    return sum(int(fields[11]) + int(fields[12])
               for _, fields in proc_stats() if int(fields[3]) == pid)


def test_close_hangs_up_the_shell_and_its_background_jobs():
    async def main():
        session = Session(SH)
        await session.start()
        await session.write("sleep 1000 & echo bg=$!=$((6*7))\n")
        out = await read_until(session, "=42")
        bg = int(out.rsplit("bg=", 1)[1].split("=")[0])
        await session.close()
        return session, bg

    session, bg = run(main())
    assert session.exit_status is not None
    assert process_gone(session.pid)
    assert process_gone(bg)


def test_close_kills_a_shell_that_ignores_sighup():
    async def main():
        session = Session(SH)
        await session.start()
        await session.write("trap '' HUP; echo trapped-$((6*7))\n")
        await read_until(session, "trapped-42")
        await session.close()
        return session

    session = run(main())
    assert session.exit_status == -signal.SIGKILL
    assert process_gone(session.pid)


def test_closing_many_sessions_runs_concurrently():
    async def main():
        registry = SessionRegistry()
        sessions = [registry.create(command=SH) for _ in range(20)]
        for s in sessions:
            await s.start()
        await registry.close_all()
        return registry, sessions

    registry, sessions = run(main())
    assert len(registry) == 0
    assert all(process_gone(s.pid) for s in sessions)


def test_write_after_exit_is_refused():
    async def main():
        session = Session(SH)
        await session.start()
        await session.write("exit 0\n")
        await read_all(session)
        await session.wait()
        with pytest.raises(SessionClosedError):
            await session.write("too late\n")
        await session.close()

    run(main())


def test_registry_bounds_and_ids():
    async def main():
        registry = SessionRegistry(max_sessions=2)
        a = registry.create(session_id="abc", command=SH)
        with pytest.raises(InvalidSessionIdError):
            registry.create(session_id="abc", command=SH)
        with pytest.raises(InvalidSessionIdError):
            registry.create(session_id="../etc", command=SH)
        registry.create(command=SH)
        with pytest.raises(SessionLimitError):
            registry.create(command=SH)
        assert registry.get("abc") is a
        await a.close()
        assert registry.get("abc") is None
        assert len(registry) == 1
        await registry.close_all()

    run(main())


def test_missing_command_is_a_clear_error():
    from xwterm import TerminalStartError

    async def main():
        session = Session(["/nonexistent/xwterm-shell"])
        with pytest.raises(TerminalStartError) as info:
            await session.start()
        return str(info.value)

    assert "/nonexistent/xwterm-shell" in run(main())


def test_default_command_falls_back_when_shell_is_unset(monkeypatch):
    monkeypatch.delenv("SHELL", raising=False)
    assert PtyTerminal.default_command()[0] in ("/bin/bash", "/bin/sh")
    monkeypatch.setenv("SHELL", "/bin/sh")
    assert PtyTerminal.default_command() == ["/bin/sh"]


def test_info_is_json_ready():
    import json

    async def main():
        session = Session(SH, size=TerminalSize(80, 24), session_id="s1")
        await session.start()
        info = session.info()
        await session.close()
        return info

    info = run(main())
    json.dumps(info)
    assert info["id"] == "s1" and info["size"] == "24x80" and info["running"] is True


def test_a_read_cancelled_after_output_arrived_loses_nothing():
    """The loop callback reads the pty for the waiting read(); if that read is cancelled
    before it resumes, the bytes must go to the next read()."""
    async def main():
        term = PtyTerminal(["/bin/sh", "-c", "stty -echo; printf ready; read x; printf got-$x; sleep 2"],
                           TerminalSize(80, 24))
        await term.start()
        seen = b""
        while b"ready" not in seen:
            seen += await term.read()
        reader = asyncio.ensure_future(term.read())
        while term._read_waiter is None:
            await asyncio.sleep(0)
        await term.write(b"abc\n")
        # Play the loop's part without yielding: output is ready, the callback reads it
        # for the waiting read(), and that read is cancelled before it can resume.
        select.select([term._master], [], [], 10)
        term._on_readable()
        assert term._read_waiter.done()
        reader.cancel()
        with pytest.raises(asyncio.CancelledError):
            await reader
        rest = b""
        while b"got-abc" not in rest:
            chunk = await term.read()
            if not chunk:
                break
            rest += chunk
        await term.close()
        return rest

    assert b"got-abc" in run(main())


def test_a_cancelled_close_still_kills_and_reaps_the_shell(monkeypatch):
    # close() awaited by a request or handler that is cancelled (client gone) during the
    # grace period must still end the shell: SIGKILL after the grace, then reaped.
    from xwterm.terminal import posix
    monkeypatch.setattr(posix, "CLOSE_GRACE", 0.3)

    async def main():
        session = Session(SH)
        await session.start()
        await session.write("trap '' HUP; echo trapped-$((6*7))\n")
        await read_until(session, "trapped-42")
        closing = compat.create_task(session.close())
        await asyncio.sleep(0.1)
        closing.cancel()
        await asyncio.wait([closing])
        status = await asyncio.wait_for(session.wait(), 5)
        await session.close()
        return session, status

    session, status = run(main())
    assert status == -signal.SIGKILL
    assert process_gone(session.pid)


def test_concurrent_writers_blocked_on_a_full_input_queue_all_resume():
    # Two coroutines waiting for the shell to drain its input (above the 256 KiB bound)
    # must both resume once it reads; neither may hang.
    async def main():
        session = Session(["/bin/sh", "-c", "sleep 1; exec cat >/dev/null"])
        await session.start()
        line = b"x" * 1000 + b"\n"
        first = compat.create_task(session.write(line * 300))
        second = compat.create_task(session.write(line * 300))
        await asyncio.sleep(0.3)
        assert not first.done() and not second.done()
        await asyncio.wait_for(asyncio.gather(first, second), 10)
        await session.close()

    run(main())


def test_an_unusable_environment_is_a_start_error_and_leaks_no_descriptor():
    from xwterm import TerminalStartError

    async def main():
        before = len(os.listdir("/proc/self/fd"))
        for _ in range(3):
            session = Session(SH, env={"BROKEN": "a\0b"})
            with pytest.raises(TerminalStartError):
                await session.start()
        return before, len(os.listdir("/proc/self/fd"))

    before, after = run(main())
    assert after == before
