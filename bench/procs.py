"""Processes the benchmark starts: pinning, readiness, and CPU/RSS read from /proc."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def closed_port() -> int:
    """A loopback port nothing listens on (a refused connection, never a remote fetch)."""
    return free_port()


def cores() -> tuple[str, str]:
    """(gateway core, mock + load generator core); both "" when pinning is impossible."""
    if (os.cpu_count() or 1) < 2 or shutil.which("taskset") is None:
        return "", ""
    return "0", "1"


def pinned(command: list[str], core: str) -> list[str]:
    return ["taskset", "-c", core, *command] if core else command


@dataclass
class Proc:
    name: str
    process: subprocess.Popen[bytes]
    log_path: Path
    started_at: float
    startup_s: float = 0.0

    @property
    def pid(self) -> int:
        return self.process.pid

    def log_tail(self, lines: int = 20) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        # Each process leads its own session, so workers it spawned stop with it.
        _signal_group(self.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=8)
        except subprocess.TimeoutExpired:
            _signal_group(self.pid, signal.SIGKILL)
            self.process.wait(timeout=5)


def _signal_group(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, sig)


def spawn(
    name: str, command: list[str], *, core: str, log_dir: Path, env: dict[str, str] | None = None
) -> Proc:
    log_path = log_dir / f"{name}.log"
    with log_path.open("wb") as log:
        started = time.monotonic()
        process = subprocess.Popen(
            pinned(command, core),
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
            start_new_session=True,
        )
    return Proc(name, process, log_path, started)


def wait_ready(proc: Proc, url: str, timeout: float) -> float:
    """Poll ``url`` until it answers 200; returns seconds since the process was started."""
    deadline = proc.started_at + timeout
    while time.monotonic() < deadline:
        if proc.process.poll() is not None:
            raise RuntimeError(
                f"{proc.name} exited ({proc.process.returncode}):\n{proc.log_tail()}"
            )
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    proc.startup_s = time.monotonic() - proc.started_at
                    return proc.startup_s
        except (urllib.error.URLError, ConnectionError, OSError):
            pass
        time.sleep(0.02)
    raise RuntimeError(
        f"{proc.name} did not answer {url} within {timeout:.0f}s:\n{proc.log_tail()}"
    )


def tree(pid: int) -> list[int]:
    """The process and all its descendants."""
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                pending.extend(int(c) for c in (task / "children").read_text().split())
            except OSError:
                continue
    return found


def cpu_seconds(pid: int) -> float:
    """utime + stime of the process tree (its threads included), in seconds."""
    ticks = 0
    for member in tree(pid):
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return ticks / CLOCK_TICKS


def rss_mb(pid: int) -> float:
    """Resident memory of the process tree, in MB."""
    pages = 0
    for member in tree(pid):
        try:
            pages += int(Path(f"/proc/{member}/statm").read_text().split()[1])
        except OSError:
            continue
    return pages * PAGE_KIB / 1024


def core_busy(core: str) -> tuple[int, int]:
    """(busy, total) jiffies of one CPU from /proc/stat, for utilisation deltas."""
    if not core:
        return 0, 0
    for line in Path("/proc/stat").read_text().splitlines():
        if line.startswith(f"cpu{core} "):
            values = [int(v) for v in line.split()[1:]]
            idle = values[3] + values[4]
            return sum(values) - idle, sum(values)
    return 0, 0
