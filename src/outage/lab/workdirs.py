"""The lab's temporary directories: each marked with its owner process, removed on every exit.

A directory is named ``outage-lab-<pid>-<start>-<kind>-<random>`` in the system's temporary
directory, where ``<pid>`` is the lab process and ``<start>`` its start time in clock ticks
since boot (from /proc), so that a reused pid is not taken for the owner. A context manager
removes it on every exit Python sees; a lab killed outright (SIGKILL, power loss) cannot, so
every run first removes the directories whose owner is gone (:func:`remove_stale`).

When the lab runs as root, the servers drop to an unprivileged user (``bind``, ``unbound``);
their directory is then given to that user, mode 0700, so no other local user can read the
TSIG key or the zone files in it.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

PREFIX = "outage-lab-"

# Unprivileged users a server runs as when the lab is root, in order of preference: the
# Debian packages' own users, then nobody.
DAEMON_USERS = {"named": ("bind", "named", "nobody"), "unbound": ("unbound", "nobody")}


def _start_time(pid: int) -> str | None:
    """Start time of ``pid`` in clock ticks since boot (field 22 of /proc/PID/stat), or
    None when no such process exists (or there is no /proc)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]


def owner_tag(pid: int | None = None) -> str:
    """``<pid>-<start>`` of ``pid`` (default: this process)."""
    pid = os.getpid() if pid is None else pid
    return f"{pid}-{_start_time(pid) or 0}"


def is_stale(path: Path, prefix: str = PREFIX) -> bool:
    """True when ``path`` is a lab directory (or another named ``<prefix><pid>-<start>-...``,
    such as ``race spin``'s) whose owner process is gone (or was replaced by another process
    with the same pid)."""
    parts = path.name[len(prefix):].split("-")
    if not path.name.startswith(prefix) or len(parts) < 3 or not parts[0].isdigit():
        return False
    return _start_time(int(parts[0])) != parts[1]


def remove_stale(root: Path | None = None, prefix: str = PREFIX) -> list[Path]:
    """Remove the lab directories (or others named with ``prefix``) under ``root`` (default:
    the temporary directory) whose owner process is gone; return the ones removed.
    Directories of running labs stay; one this user may not remove is left alone."""
    root = Path(tempfile.gettempdir()) if root is None else root
    removed = []
    for path in sorted(root.glob(prefix + "*")):
        if path.is_dir() and not path.is_symlink() and is_stale(path, prefix):
            shutil.rmtree(path, ignore_errors=True)
            if not path.exists():
                removed.append(path)
    return removed


def daemon_user(server: str) -> str | None:
    """The user ``server`` ("named" or "unbound") should run as: None when the lab is not
    root (the server then runs as the lab's user), else the first of DAEMON_USERS that
    exists."""
    if os.geteuid() != 0:
        return None
    for name in DAEMON_USERS[server]:
        with contextlib.suppress(KeyError):
            pwd.getpwnam(name)
            return name
    raise OSError(f"running as root, but none of the users {', '.join(DAEMON_USERS[server])} "
                  f"exists for {server} to drop to")


def give_to(path: Path, user: str | None) -> None:
    """Make ``path`` and everything in it belong to ``user`` (no-op for None)."""
    if user is None:
        return
    entry = pwd.getpwnam(user)
    for p in [path, *path.rglob("*")]:
        os.chown(p, entry.pw_uid, entry.pw_gid, follow_symlinks=False)


@contextlib.contextmanager
def workdir(kind: str, user: str | None = None) -> Iterator[Path]:
    """A fresh directory (mode 0700) marked with this process, removed when the block exits.

    ``user``: hand it to that user (see :func:`give_to`); files written into it later must
    be handed over too.
    """
    path = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{owner_tag()}-{kind}-"))
    try:
        give_to(path, user)
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
