# SPDX-License-Identifier: LGPL-2.1-or-later
"""Volume and concurrency: 50 MB out, 10 MB in, 200 runs without growth, 8
threads and 20 asyncio sandboxes running at once."""
import asyncio
import ctypes
import gc
import hashlib
import os
import threading

import oslbox
from conftest import open_fds, rss_kb

# A sandboxed command that waits until N commands (itself included) have
# checked in to directory $1, so it ends only if they all run at once; the
# policy's timeout ends it otherwise (returncode 124).
BARRIER = 'touch "$1/$2"; while [ "$(ls "$1" | wc -l)" -lt "$3" ]; do sleep 0.05; done; echo "$2 saw $3"'


def test_capture_50mb(workdir):
    """50 MB on stdout and 1 MB on stderr at once come back byte-exact."""
    big = os.urandom(50 * 1000 * 1000)
    small = os.urandom(1000 * 1000)
    for name, data in (("big", big), ("small", small)):
        with open(os.path.join(workdir, name), "wb") as f:
            f.write(data)
    r = oslbox.run(["sh", "-c", 'cat "$1/big"; cat "$1/small" >&2', "sh", workdir], capture_output=True)
    assert r.returncode == 0
    assert len(r.stdout) == len(big) and r.stdout == big
    assert r.stderr == small


def test_input_10mb():
    """10 MB of input reach the command whole while its output is read."""
    data = os.urandom(10 * 1000 * 1000)
    r = oslbox.run(["cat"], input=data, capture_output=True)
    assert r.returncode == 0 and r.stdout == data
    r = oslbox.run(["sha256sum"], input=data, capture_output=True, text=True)
    assert r.stdout.split()[0] == hashlib.sha256(data).hexdigest()


class _MallInfo2(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in
                "arena ordblks smblks hblks hblkhd usmblks fsmblks uordblks fordblks keepcost".split()]


def malloc_in_use():
    """Bytes malloc has handed out and not got back (glibc's mallinfo2):
    what the library allocates, which RSS would hide in pages already there."""
    libc = ctypes.CDLL(None)
    libc.mallinfo2.restype = _MallInfo2
    return libc.mallinfo2().uordblks


def test_200_runs_no_growth():
    """200 runs with pipes leave the fd count as it was, malloc's bytes in
    use within 16 KiB and the RSS within 1 MiB. (Leaked per run, a policy
    would add 40 KiB of malloc'ed memory, a process object 500 KiB.)"""
    def one(i):
        r = oslbox.run(["sh", "-c", "echo $1; cat", "sh", str(i)], input=b"in", capture_output=True)
        assert r.stdout == b"%d\nin" % i

    for i in range(20):     # allocator and import warm-up
        one(i)
    gc.collect()
    fds, rss, heap = open_fds(), rss_kb(), malloc_in_use()
    for i in range(200):
        one(i)
    gc.collect()
    rss_grown, heap_grown = rss_kb() - rss, malloc_in_use() - heap
    print("200 runs: RSS %+d KiB, malloc in use %+d bytes, fds %d -> %d"
          % (rss_grown, heap_grown, len(fds), len(open_fds())))
    assert open_fds() == fds
    assert heap_grown < 16 * 1024, "malloc'ed memory grew by %d bytes over 200 runs" % heap_grown
    assert rss_grown < 1024, "RSS grew by %d KiB over 200 runs" % rss_grown


def test_8_threads(workdir):
    """8 threads run sandboxes at the same time (each waits until all 8 are
    running), sharing one Policy that a ninth thread keeps changing."""
    shared = oslbox.Policy().set("timeout", "60s")
    results, errors = {}, []
    start = threading.Barrier(9)
    stop = threading.Event()

    def worker(n):
        try:
            start.wait()
            for round in range(2):
                d = os.path.join(workdir, "round%d" % round)
                os.makedirs(d, exist_ok=True)
                r = oslbox.run(["sh", "-c", BARRIER, "sh", d, "t%d" % n, "8"], policy=shared,
                               capture_output=True, text=True)
                results[(n, round)] = (r.returncode, r.stdout)
        except BaseException as e:          # reported below
            errors.append(e)

    def changer():
        start.wait()
        i = 0
        while not stop.is_set():
            shared.set("hostname", "h%d" % (i % 7))
            i += 1

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    threads.append(threading.Thread(target=changer))
    for t in threads:
        t.start()
    for t in threads[:8]:
        t.join()
    stop.set()
    threads[8].join()
    assert not errors
    for n in range(8):
        for round in range(2):
            assert results[(n, round)] == (0, "t%d saw 8\n" % n)


def test_asyncio_20(workdir):
    """asyncio waits on 20 sandboxes at once, in one thread (each waits until
    all 20 are running), through run_async(), communicate_async() and
    wait_async()."""
    threads_seen = set()

    async def watch(done):
        while not done.is_set():
            threads_seen.add(threading.active_count())
            await asyncio.sleep(0.05)

    async def main():
        loop = asyncio.get_running_loop()
        done = asyncio.Event()
        watcher = asyncio.ensure_future(watch(done))
        runs = [oslbox.run_async(["sh", "-c", BARRIER, "sh", workdir, "a%d" % n, "20"],
                                 capture_output=True, text=True, timeout=60) for n in range(18)]
        p1 = oslbox.Popen(["sh", "-c", BARRIER, "sh", workdir, "p1", "20"], stdout=oslbox.PIPE,
                          options={"timeout": "60s"})
        p2 = oslbox.Popen(["sh", "-c", BARRIER + " >/dev/null; exit 9", "sh", workdir, "p2", "20"],
                          options={"timeout": "60s"})
        results = await asyncio.gather(*runs, p1.communicate_async(), p2.wait_async())
        done.set()
        await watcher
        assert loop._default_executor is None       # no thread pool either
        return results

    results = asyncio.run(main())
    for n, r in enumerate(results[:18]):
        assert (r.returncode, r.stdout) == (0, "a%d saw 20\n" % n)
    assert results[18] == (b"p1 saw 20\n", None)
    assert results[19] == 9
    assert threads_seen == {threading.active_count()}


def marked(marker):
    """The host pids of processes with MARKER among their arguments."""
    pids = []
    for pid in os.listdir("/proc"):
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                if marker.encode() in f.read().split(b"\0"):
                    pids.append(int(pid))
        except (OSError, ValueError):
            pass
    return pids


def test_asyncio_cancel_kills():
    """A run_async() cancelled (here by wait_for's timeout) kills its
    sandbox: its processes are gone, its descriptors closed."""
    marker = "oslbox-cancel-%d" % os.getpid()
    seen = []

    async def main():
        async def look():
            while not seen:
                seen.extend(marked(marker))
                await asyncio.sleep(0.05)
        asyncio.ensure_future(look())
        await asyncio.wait_for(oslbox.run_async(["sh", "-c", "sleep 60; : $1", "sh", marker]), 3)

    before = open_fds()
    try:
        asyncio.run(main())
        raise AssertionError("not cancelled")
    except asyncio.TimeoutError:
        pass
    assert seen, "the sandboxed shell was never seen running"
    assert marked(marker) == []
    assert open_fds() == before


def test_asyncio_timeout_and_input():
    """run_async(timeout=) is the policy's timeout (124); input= goes in."""
    async def main():
        a = await oslbox.run_async(["sleep", "60"], timeout=0.3)
        b = await oslbox.run_async(["cat"], input=b"x" * 300000, capture_output=True)
        return a, b

    a, b = asyncio.run(main())
    assert a.returncode == 124 and a.report.timed_out
    assert b.stdout == b"x" * 300000
