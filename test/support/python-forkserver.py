"""Runs test scripts in forks of one Python that imported the heavy modules once.

Importing MLflow costs 3-5 s of CPU, and the MLflow tests start Python a dozen times: a fifth of a CPU-bound CI's
MLflow-client time went to the same imports. This process imports the modules named on its command line, then, for
each connection on its Unix socket, forks: the child runs the script it was sent (a fresh `__main__`, its own
`sys.argv`, environment and working directory, copy-on-write memory, so nothing leaks between scripts) and answers with
its exit status, stdout and stderr. Scripts run side by side, one fork each, as separate `python -c` processes would.

Usage: python python-forkserver.py SOCKET_PATH [MODULE ...]
Request (one JSON line): {"code": str, "args": [str], "cwd": str, "env": {str: str}}
Answer (JSON, then the connection closes): {"status": int, "stdout": str, "stderr": str}
"""

import importlib
import json
import os
import signal
import socket
import sys
import tempfile
import traceback


def run_child(conn: socket.socket) -> None:
    status = 1
    out = tempfile.TemporaryFile()
    err = tempfile.TemporaryFile()
    try:
        with conn.makefile("rb") as reader:
            request = json.loads(reader.readline())
        # The script's own stdout and stderr, at the descriptor level, so output from C code and subprocesses is kept.
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(out.fileno(), 1)
        os.dup2(err.fileno(), 2)
        os.environ.update(request.get("env") or {})
        os.chdir(request.get("cwd") or tempfile.gettempdir())
        sys.argv = ["-c", *request.get("args", [])]
        try:
            exec(compile(request["code"], "<string>", "exec"), {"__name__": "__main__", "__builtins__": __builtins__})
            status = 0
        except SystemExit as stop:
            status = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
        except BaseException:
            traceback.print_exc()
            status = 1
    except BaseException:
        traceback.print_exc()
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
            answer = {"status": status}
            for name, file in (("stdout", out), ("stderr", err)):
                file.seek(0)
                answer[name] = file.read().decode("utf-8", "replace")
            conn.sendall(json.dumps(answer).encode())
            conn.close()
        finally:
            os._exit(0)


def reap(_signum: int, _frame: object) -> None:
    try:
        while os.waitpid(-1, os.WNOHANG)[0] != 0:
            pass
    except ChildProcessError:
        pass


def main() -> None:
    path, modules = sys.argv[1], sys.argv[2:]
    for module in modules:
        importlib.import_module(module)
    # Children are reaped as they end (not left to the kernel with SIG_IGN), so that their CPU time counts in this
    # process's children's, which CI's per-step CPU figures read.
    signal.signal(signal.SIGCHLD, reap)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(64)
    print("ready", flush=True)
    while True:
        conn, _ = server.accept()
        if os.fork() == 0:
            server.close()
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            run_child(conn)
        conn.close()


if __name__ == "__main__":
    main()
