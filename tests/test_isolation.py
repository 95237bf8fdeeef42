"""Each test has a temporary folder of its own (conftest's own_temporary_folder), for this process
and the processes it starts: no test sees what another process writes to the machine's."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path


def test_temporary_files_of_a_test_and_of_its_child_processes_go_to_its_own_folder(
    own_temporary_folder: Path,
) -> None:
    made = Path(tempfile.mkdtemp())
    assert made.parent == own_temporary_folder
    child = [sys.executable, "-c", "import tempfile; print(tempfile.gettempdir())"]
    assert subprocess.run(child, capture_output=True, text=True, check=True).stdout.strip() == str(own_temporary_folder)
