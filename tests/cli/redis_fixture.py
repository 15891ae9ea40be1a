"""A real redis-server on a free loopback port, for the CLI tests that need one
(test_brokers.py, test_cluster.py), and a
minimal RESP client for the checks the tests make outside the code under test."""
import os
import shutil
import socket
import subprocess
import time

from cli_cases import Failure, check


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Redis:
    """redis-server in `tmp`/redis, without persistence, so that a restart (start() after
    kill()) comes back empty, as a lost Redis would."""

    def __init__(self, tmp):
        self.port = free_port()
        self.dir = os.path.join(tmp, "redis")
        os.makedirs(self.dir, exist_ok=True)
        self.proc = None
        self.start()

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}"

    def start(self):
        exe = shutil.which("redis-server") or "/usr/bin/redis-server"
        check(os.access(exe, os.X_OK), "redis-server is not installed (scripts/install-deps.sh installs it)")
        self.proc = subprocess.Popen([exe, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", self.dir,
                                      "--save", "", "--appendonly", "no", "--logfile", os.path.join(self.dir, "log")],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while True:
            try:
                if self.call("PING") == "PONG":
                    return
            except OSError:
                pass
            check(self.proc.poll() is None, f"redis-server exited ({self.proc.returncode}); its log is {self.dir}/log")
            check(time.monotonic() < deadline, "redis-server did not start")
            time.sleep(0.02)

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.kill()

    def call(self, *args):
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as s:
            parts = [f"*{len(args)}\r\n".encode()]
            for a in args:
                b = a if isinstance(a, bytes) else str(a).encode()
                parts.append(f"${len(b)}\r\n".encode() + b + b"\r\n")
            s.sendall(b"".join(parts))
            f = s.makefile("rb")
            return self._read(f)

    def _read(self, f):
        line = f.readline()
        kind, rest = line[:1], line[1:-2]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            raise Failure(f"redis error: {rest.decode()}")
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            if n < 0:
                return None
            data = f.read(n + 2)[:-2]
            return data
        if kind == b"*":
            n = int(rest)
            return None if n < 0 else [self._read(f) for _ in range(n)]
        raise Failure(f"unexpected RESP {line!r}")

    def stream(self, name):
        """[(id, payload bytes)] of a stream, oldest first."""
        out = []
        for entry_id, fields in self.call("XRANGE", name, "-", "+") or []:
            kv = dict(zip(fields[::2], fields[1::2]))
            out.append((entry_id.decode(), kv[b"data"]))
        return out
