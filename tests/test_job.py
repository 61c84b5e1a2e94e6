"""AsyncJob: tasks that end together, with exceptions kept and a termination callback."""

import asyncio

import pytest

from xwterm import AsyncJob, JobEndedError, compat
from xwterm.job import ALL_COMPLETED


def run(coro):
    return compat.run(asyncio.wait_for(coro, 30))


async def forever(cancelled):
    try:
        await asyncio.Event().wait()
    except asyncio.CancelledError:
        cancelled.append(True)
        raise


def test_first_completed_cancels_the_others_and_calls_back_once():
    calls = []
    cancelled = []

    async def main():
        job = AsyncJob("t", on_termination=calls.append)
        job.add(forever(cancelled))
        job.add(forever(cancelled))
        quick = job.add(asyncio.sleep(0))
        await job.wait()
        assert job.done()
        assert job.ended_by is quick
        assert job.tasks == frozenset()
        return job

    job = run(main())
    assert cancelled == [True, True]
    assert calls == [job]
    assert job.exception() is None


def test_cancel_on_request_ends_every_task():
    cancelled = []

    async def main():
        job = AsyncJob()
        for _ in range(3):
            job.add(forever(cancelled))
        await asyncio.sleep(0)
        job.cancel()
        job.cancel()
        await job.wait()
        return job

    job = run(main())
    assert cancelled == [True] * 3
    assert job.ended_by is None


def test_first_exception_is_kept_and_later_ones_are_logged(caplog):
    async def fail(message):
        raise ValueError(message)

    async def main():
        job = AsyncJob(end_when=ALL_COMPLETED)
        job.add(fail("first"))
        job.add(fail("second"))
        await job.wait()
        return job

    job = run(main())
    assert str(job.exception()) == "first"
    assert any("another task failed" in r.getMessage() for r in caplog.records)


def test_all_completed_waits_for_every_task():
    finished = []

    async def step(n):
        for _ in range(n):
            await asyncio.sleep(0)
        finished.append(n)

    async def main():
        job = AsyncJob(end_when=ALL_COMPLETED)
        job.add(step(1))
        job.add(step(5))
        await job.wait()

    run(main())
    assert sorted(finished) == [1, 5]


def test_tasks_can_be_added_later_but_not_after_the_end():
    async def main():
        job = AsyncJob()
        gate = asyncio.Event()
        job.add(gate.wait())
        job.add(asyncio.sleep(0))
        await job.wait()
        with pytest.raises(JobEndedError):
            job.add(asyncio.sleep(0))

    run(main())


def test_coroutine_termination_callback_is_awaited():
    seen = []

    async def on_end(job):
        await asyncio.sleep(0)
        seen.append(job.name)

    async def main():
        job = AsyncJob("named", on_termination=on_end)
        job.add(asyncio.sleep(0))
        await job.wait()

    run(main())
    assert seen == ["named"]


def test_external_cancellation_of_a_task_ends_the_job():
    cancelled = []

    async def main():
        job = AsyncJob()
        victim = job.add(forever([]))
        job.add(forever(cancelled))
        await asyncio.sleep(0)
        victim.cancel()
        await job.wait()
        return job

    job = run(main())
    assert cancelled == [True]
    assert job.exception() is None


def test_close_of_an_empty_job_returns():
    async def main():
        job = AsyncJob()
        await job.close()
        return job

    assert run(main()).done()
