"""A cognate server for the interop tests: the binary at COGNATE_BIN on a free port
with a fresh data directory."""

import os
import shutil
import subprocess
import tempfile


class Server:
    def __init__(self, *extra):
        self.data = tempfile.mkdtemp(prefix="cognate-interop-")
        self.proc = subprocess.Popen(
            [os.environ["COGNATE_BIN"], "serve", "--listen", "127.0.0.1:0", "--data", self.data, "--log", "warn", *extra],
            stdout=subprocess.PIPE,
            text=True,
        )
        line = self.proc.stdout.readline().strip()
        assert line.startswith("listening on "), line
        self.url = "http://" + line[len("listening on "):]

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=30)
        shutil.rmtree(self.data, ignore_errors=True)
