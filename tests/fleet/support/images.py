"""A tiny image made on the spot from this machine's own programs, for tests that need a container but
not the stand-in: sh, sleep, cat and ls with their libraries (about 3 MB), `docker import`ed on a host."""

from __future__ import annotations

import io
import subprocess
import tarfile

TINY_IMAGE = "fleet/tiny:1"
PROGRAMS = ("/bin/sh", "/bin/sleep", "/bin/cat", "/bin/ls")


def tiny_rootfs(programs: tuple[str, ...] = PROGRAMS) -> bytes:
    """A tar of the programs and the libraries they load, at the same paths."""
    files = sorted({path for program in programs for path in (program, *_libraries(program))})
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", dereference=True) as tar:
        for path in files:
            tar.add(path, arcname=path.lstrip("/"), recursive=False)
    return buffer.getvalue()


def _libraries(program: str) -> list[str]:
    listed = subprocess.run(["ldd", program], capture_output=True, text=True, timeout=30, check=True).stdout
    return [word for line in listed.splitlines() for word in line.split() if word.startswith("/")]


def import_tiny_image(fleet, name: str) -> str:
    """TINY_IMAGE in the host's engine; returns its name."""
    done = fleet.docker(name, "import", "-", TINY_IMAGE, stdin=tiny_rootfs())
    if done.returncode != 0:
        raise RuntimeError(f"{name}: docker import of the tiny image failed: {done.stderr.decode(errors='replace')}")
    return TINY_IMAGE
