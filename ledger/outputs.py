"""Files written whole or not at all: a report, an export or a proof named with `-o FILE`.

A file is written to a temporary file beside it, renamed over it once complete: a failure (a full
disk, a damaged event met halfway through an export, Ctrl-C) leaves neither a half-written file
nor a damaged earlier one, which writing the file in place could not promise however much was
checked first. What cannot be replaced is written in place: a device or a pipe (/dev/null,
/dev/stdout), or a writable file in a folder where no file can be made. Any file-system error
becomes an `OutputUnwritable`: one line naming the file and why.
"""

from __future__ import annotations

import os
import stat
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import IO, Any

from .domain.errors import LedgerError

__all__ = ["OutputUnwritable", "check_writable", "open_atomically", "unwritable", "write_file"]


class OutputUnwritable(LedgerError):
    """A file that cannot be written; nothing was written (exit code 2 for the CLI)."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"cannot write {path}: {reason}; nothing was written")
        self.path = path
        self.reason = reason


def unwritable(path: str) -> str | None:
    """Why `path` cannot be written, or None if it looks as if it can."""
    folder = os.path.dirname(path) or "."
    if os.path.isdir(path):
        return "it is a folder, not a file"
    if not os.path.exists(folder):
        return f"the folder {folder} does not exist"
    if not os.path.isdir(folder):
        return f"{folder} is not a folder"
    if os.path.exists(path):
        return None if os.access(path, os.W_OK) else "permission denied"
    if not _folder_writable(path):
        return f"permission denied in the folder {folder}"
    return None


def check_writable(path: str) -> None:
    """Refuse, before anything is computed, a file that cannot be written."""
    problem = unwritable(path)
    if problem:
        raise OutputUnwritable(path, problem)


def _folder_writable(path: str) -> bool:
    """Whether a file can be made (and renamed) beside `path` (through a symbolic link, beside
    the file it points to)."""
    return os.access(os.path.dirname(os.path.realpath(path)), os.W_OK | os.X_OK)


def _temporary_beside(target: str) -> tuple[int, str]:
    """A new file in `target`'s folder, with the permissions `target` has, or, for a new file,
    those `open()` would give it (0666 less the umask)."""
    folder, name = os.path.split(target)
    while True:
        temporary = os.path.join(folder, f".{name}.{uuid.uuid4().hex[:12]}.part")
        try:
            handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
        break
    try:
        with suppress(FileNotFoundError):
            os.fchmod(handle, stat.S_IMODE(os.stat(target).st_mode))
    except BaseException:
        os.close(handle)
        os.unlink(temporary)
        raise
    return handle, temporary


@contextmanager
def open_atomically(path: str, mode: str) -> Iterator[IO[Any]]:
    """The file at `path` opened for writing (`mode` "w", UTF-8, or "wb"), written whole or not at
    all (see the module's docstring); any file-system error raises `OutputUnwritable`."""
    encoding = None if "b" in mode else "utf-8"
    check_writable(path)
    if os.path.exists(path) and (not stat.S_ISREG(os.stat(path).st_mode) or not _folder_writable(path)):
        try:
            with open(path, mode, encoding=encoding) as out:
                yield out
        except OSError as error:
            raise OutputUnwritable(path, error.strerror or str(error)) from None
        return
    target = os.path.realpath(path)  # through a symbolic link, not over it
    try:
        handle, temporary = _temporary_beside(target)
    except OSError as error:
        raise OutputUnwritable(path, error.strerror or str(error)) from None
    try:
        with open(handle, mode, encoding=encoding) as out:
            yield out
        os.replace(temporary, target)
    except BaseException as error:
        with suppress(OSError):
            os.unlink(temporary)
        if isinstance(error, OSError):
            raise OutputUnwritable(path, error.strerror or str(error)) from None
        raise


def write_file(path: str, content: str | bytes) -> None:
    """Write text (UTF-8) or bytes to `path`, whole or not at all."""
    with open_atomically(path, "wb" if isinstance(content, bytes) else "w") as out:
        out.write(content)
