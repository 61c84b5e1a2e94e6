"""The bounded pending-output buffer of polled sessions."""

import asyncio

from serverutil import run

from xwterm.compat import create_task
from xwterm.outbuf import READY, SUPERSEDED, TIMEOUT, OutputBuffer


def test_put_and_take():
    async def scenario():
        buffer = OutputBuffer(limit=10)
        assert buffer.take() == ''
        await buffer.put('abc')
        await buffer.put('')
        await buffer.put('def')
        assert len(buffer) == 6
        assert buffer.take() == 'abcdef'
        assert len(buffer) == 0 and not buffer.finished
    run(scenario())


def test_full_buffer_holds_the_reader_until_a_poll_drains_it():
    async def scenario():
        buffer = OutputBuffer(limit=4)
        await buffer.put('12345')      # one chunk may land on top of the limit
        assert buffer.full
        blocked = create_task(buffer.put('6'))
        for _ in range(5):
            await asyncio.sleep(0)
        assert not blocked.done()      # the reader waits: the pty is not read
        assert buffer.take() == '12345'
        await blocked
        assert buffer.take() == '6'
    run(scenario())


def test_wait_wakes_on_output_and_times_out():
    async def scenario():
        buffer = OutputBuffer()
        assert await buffer.wait(0.01) == TIMEOUT
        waiting = create_task(buffer.wait(30))
        await asyncio.sleep(0)
        await buffer.put('x')
        assert await waiting == READY
        assert await buffer.wait(30) == READY   # pending output: answers at once
    run(scenario())


def test_newer_wait_completes_the_older_at_once():
    async def scenario():
        buffer = OutputBuffer()
        older = create_task(buffer.wait(30))
        await asyncio.sleep(0)
        newer = create_task(buffer.wait(30))
        assert await older == SUPERSEDED
        assert not newer.done()
        await buffer.put('for the newer')
        assert await newer == READY
        assert buffer.take() == 'for the newer'
    run(scenario())


def test_finish_reports_exit_and_wakes_the_poll():
    async def scenario():
        buffer = OutputBuffer()
        waiting = create_task(buffer.wait(30))
        await asyncio.sleep(0)
        buffer.finish(7)
        assert await waiting == READY
        assert buffer.finished and buffer.exit_status == 7
        assert await buffer.wait(30) == READY
    run(scenario())


def test_cancelled_wait_leaves_no_waiter():
    async def scenario():
        buffer = OutputBuffer()
        waiting = create_task(buffer.wait(30))
        await asyncio.sleep(0)
        waiting.cancel()
        await asyncio.wait([waiting])
        assert buffer._waiter is None
    run(scenario())
