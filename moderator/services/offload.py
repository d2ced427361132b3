"""Run CPU-heavy pure work (parsing an uploaded spreadsheet) off the event loop.

Under eventlet or gevent every request shares one OS thread: a parser that runs for a second freezes the hall's
phones and the chair's console for that second. Such work runs in a real OS thread instead (eventlet's tpool,
gevent's threadpool), and the loop keeps serving meanwhile (the interpreter switches threads every few
milliseconds). With plain threads (threading mode, tests in-process) the call runs where it is.

Only pure work goes there: no database session, no socket emit, nothing that expects to run in a greenlet.
"""
from __future__ import annotations

import sys
from typing import Callable, TypeVar

T = TypeVar("T")


def _outcome(fn, args, kwargs):
    # An exception travels back as a value: tpool would print the traceback of every refused upload.
    try:
        return True, fn(*args, **kwargs)
    except Exception as e:  # noqa: BLE001 - re-raised as is by off_loop
        return False, e


def off_loop(fn: Callable[..., T], *args, **kwargs) -> T:
    """``fn(*args, **kwargs)``, in a real thread when the process runs on an event loop."""
    run = None
    if "eventlet" in sys.modules:
        from eventlet import patcher, tpool
        if patcher.is_monkey_patched("thread"):
            run = tpool.execute
    if run is None and "gevent" in sys.modules:
        from gevent import get_hub, monkey
        if monkey.is_module_patched("threading"):
            run = lambda f, *a: get_hub().threadpool.apply(f, a)  # noqa: E731
    if run is None:
        return fn(*args, **kwargs)
    ok, value = run(_outcome, fn, args, kwargs)
    if not ok:
        raise value
    return value
