"""The app under real gunicorn (gunicorn.conf.py, as `make serve` runs it), in its own process
group so a test can kill -9 the master and every worker at once."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from chat import tokens
from chat.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def procfile_command(root: Path, process: str = "web") -> str:
    """The command line of one process type in the Procfile, as a Heroku-style host runs it."""
    for line in (root / "Procfile").read_text().splitlines():
        name, _, command = line.partition(":")
        if name.strip() == process:
            return command.strip()
    raise AssertionError(f"no {process}: line in the Procfile")


def clone(destination: Path) -> Path:
    """A copy of the project's tracked files, as `git clone` (or a deploy) leaves them."""
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    for name in filter(None, listed.decode().split("\0")):
        source = ROOT / name
        if source.is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination / name)
    return destination


class GunicornServer:
    def __init__(
        self,
        settings: Settings,
        workdir: Path,
        workers: int = 3,
        threads: int = 200,
        machine: Path | None = None,
        **env,
    ):
        """`machine`: a clone directory to run the Procfile's web command in, as a host would
        (its own working directory, nothing shared on disk); else gunicorn.conf.py from here."""
        self.settings = settings
        self.workdir = workdir  # the log goes here; no .env: every setting comes from `env`
        self.machine = machine
        self.workers = workers
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}/ws"
        self.env = {
            "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
            **({} if machine else {"PYTHONPATH": str(ROOT)}),
            "TWILIO_ACCOUNT_SID": settings.account_sid,
            "TWILIO_AUTH_TOKEN": settings.auth_token,
            "TWILIO_API_KEY": settings.api_key,
            "TWILIO_API_SECRET": settings.api_secret,
            "TWILIO_IPM_SERVICE_SID": settings.service_sid,
            "SECRET_KEY": settings.secret_key,
            # Never both: a server on PostgreSQL that wrote a SQLite file would write it into its
            # working directory, where the machine tests look for it.
            **(
                {"DATABASE_URL": settings.database_url}
                if settings.database_url
                else {"DATABASE_PATH": settings.database_path}
            ),
            "PORT": str(self.port),
            "WEB_CONCURRENCY": str(workers),
            "WEB_THREADS": str(threads),
            **env,
        }
        self.log = workdir / f"gunicorn-{self.port}.log"
        self.proc: subprocess.Popen | None = None
        self.start()

    def start(self) -> None:
        if self.machine:
            command = ["sh", "-c", f"exec {procfile_command(self.machine)}"]
            env = {**self.env, "GUNICORN_CMD_ARGS": "--access-logfile /dev/null", "PYTHONDONTWRITEBYTECODE": "1"}
        else:
            gunicorn = str(Path(sys.executable).parent / "gunicorn")
            command = [gunicorn, "-c", str(ROOT / "gunicorn.conf.py"), "--access-logfile", "/dev/null", "app:app"]
            env = self.env
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                command,
                cwd=self.machine or self.workdir,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: kill() reaches every worker
            )
        deadline = time.monotonic() + 30
        while len(self.worker_pids()) < self.workers or not self._answers():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise AssertionError(f"gunicorn did not start:\n{self.log.read_text()[-3000:]}")
            time.sleep(0.1)

    def _answers(self) -> bool:
        try:
            return requests.get(f"{self.url}/openapi.json", timeout=2).ok
        except (requests.ConnectionError, requests.Timeout):  # a busy machine: ask again
            return False

    def worker_pids(self) -> list[int]:
        pids = []
        for status in Path("/proc").glob("[0-9]*/status"):
            try:
                text = status.read_text()
            except (FileNotFoundError, ProcessLookupError):
                continue
            if f"\nPPid:\t{self.proc.pid}\n" in text:
                pids.append(int(status.parent.name))
        return pids

    def worker_of(self, client_port: int) -> int | None:
        """The worker holding the server side of the connection from `client_port`."""
        inode = _server_socket_inode(self.port, client_port)
        for pid in self.worker_pids():
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                try:
                    if os.readlink(fd) == f"socket:[{inode}]":
                        return pid
                except FileNotFoundError:
                    continue
        return None

    def token(self, identity: str) -> str:
        return tokens.mint(self.settings, identity)

    def rest(self, method: str, path: str, **kwargs) -> requests.Response:
        auth = (self.settings.account_sid, self.settings.auth_token)
        return requests.request(
            method, f"{self.url}/v2/Services/{self.settings.service_sid}{path}", auth=auth, timeout=30, **kwargs
        )

    def kill(self) -> None:
        """kill -9 the master and every worker: nothing gets to clean up."""
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)


def _server_socket_inode(server_port: int, client_port: int) -> str:
    """The inode of the server-side TCP socket 127.0.0.1:server_port <- 127.0.0.1:client_port."""
    wanted = (f"0100007F:{server_port:04X}", f"0100007F:{client_port:04X}")
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if (fields[1], fields[2]) == wanted:
            return fields[9]
    raise AssertionError(f"no server socket for client port {client_port}")
