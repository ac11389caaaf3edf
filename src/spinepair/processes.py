"""Whether a process still runs: files named by their writer's pid (temporary outputs,
spills, the run lock) are cleaned up only once that writer is gone."""

from __future__ import annotations

import os


def alive(pid: int) -> bool:
    """Whether process ``pid`` runs on this host (another user's process counts)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it runs, under another user
        return True
    except (OverflowError, ValueError):  # no such pid can exist
        return False
    return True
