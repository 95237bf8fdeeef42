"""How every command ends: 0 done, 1 a problem with the input (a clear message), 2 a crash.

A crash prints one line, never a traceback, so that CI logs tell a broken package (exit 1) from a
broken tool (exit 2) and repeat nothing of the input beyond what the message needs. SIGTERM
unwinds like an exception, so that temporary files and folders are removed on the way out."""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable
from types import FrameType

from scripts.messages import PackageError, clip

EXIT_PROBLEMS, EXIT_CRASH, EXIT_TERMINATED = 1, 2, 143


class Terminated(BaseException):
    """SIGTERM, raised where the process is so that every `finally` runs."""


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise Terminated


def run(main: Callable[[list[str] | None], int], argv: list[str] | None = None) -> int:
    """Run a command's main() and turn whatever it raises into an exit code and one line."""
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        return main(argv)
    except PackageError as error:
        print(clip(str(error), 2000, lines=True), file=sys.stderr)
        return EXIT_PROBLEMS
    except Terminated:
        print("terminated: temporary files removed, nothing written", file=sys.stderr)
        return EXIT_TERMINATED
    except KeyboardInterrupt:
        print("interrupted: temporary files removed, nothing written", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader stopped reading (`… | head`): no error of ours; stdout is closed so Python's own
        # flush at exit does not raise again
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except RecursionError:
        print("internal error: input nested too deeply", file=sys.stderr)
        return EXIT_CRASH
    except Exception as error:
        print(f"internal error: {type(error).__name__}: {clip(str(error))}", file=sys.stderr)
        return EXIT_CRASH
    finally:
        signal.signal(signal.SIGTERM, previous)
