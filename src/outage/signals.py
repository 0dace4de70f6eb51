"""Ctrl-C and SIGTERM held while a child process starts.

A signal that lands inside ``subprocess.Popen`` after the fork makes ``Popen`` raise before the
caller knows the child, which then runs on unstopped. Starting it inside ``HeldSignals``
and calling ``deliver()`` once the ``Popen`` object is in hand lets the caller stop the child
first. Used by the lab's servers and by ``race spin``'s tools.
"""

from __future__ import annotations

import signal
import threading


class HeldSignals:
    """Ctrl-C and SIGTERM, caught and kept while a child starts, then acted on as usual.

    Python runs signal handlers in the main thread only, so elsewhere there is nothing to hold.
    """

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __enter__(self) -> HeldSignals:
        self.caught: list[tuple[int, object]] = []
        self.previous = {}
        if threading.current_thread() is threading.main_thread():
            for signum in self.SIGNALS:
                if signal.getsignal(signum) is not None:  # None: installed outside Python
                    self.previous[signum] = signal.signal(signum, self._catch)
        return self

    def _catch(self, signum, frame) -> None:
        self.caught.append((signum, frame))

    def __exit__(self, *exc) -> None:
        for signum, handler in self.previous.items():
            signal.signal(signum, handler)

    def deliver(self) -> None:
        """Do what each caught signal would have done (raise, or end the process)."""
        for signum, frame in self.caught:
            handler = self.previous[signum]
            if handler is signal.SIG_DFL:
                signal.raise_signal(signum)
            elif callable(handler):
                handler(signum, frame)
