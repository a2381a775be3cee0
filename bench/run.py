"""`make bench`: our server beside the peers in ../shared/bench, same load, one run, one table.

Load: N sockets in one channel, 10 of them sending, at rising rates given as deliveries per
second (send rate = deliveries / N). Each step passes when nothing is lost and p99 <= 100 ms.
Our server runs twice: one gunicorn worker, and three workers sharing events through Redis.
A second pass connects `--idle-n` sockets to every server (connect time, RSS per idle socket).
Then bench/storm.py (a restart under --storm connected clients, which all resume),
bench/store_bench.py (persisted ingest, newest page of a 1M-message channel) and
bench/replay.py; bench/table.py prints everything as one table. Results: bench/results/.
"""

import argparse
import base64
import http.client
import json
import os
import secrets
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from urllib.parse import urlencode

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SHARED = os.environ.get("SHARED_BENCH", os.path.join(ROOT, "..", "shared", "bench"))
BENCH_ENV = os.environ.get("BENCH_ENV", "/tmp/bench-env")
BENCH_PY = os.path.join(BENCH_ENV, "py", "bin", "python")
VENV = os.path.join(ROOT, ".venv", "bin")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def credentials() -> dict:
    return {
        "TWILIO_ACCOUNT_SID": "AC" + uuid.uuid4().hex,
        "TWILIO_AUTH_TOKEN": secrets.token_hex(16),
        "TWILIO_API_KEY": "SK" + uuid.uuid4().hex,
        "TWILIO_API_SECRET": secrets.token_urlsafe(32),
        "TWILIO_IPM_SERVICE_SID": "IS" + uuid.uuid4().hex,
        "SECRET_KEY": secrets.token_urlsafe(32),
    }


def cpu_seconds(pid: int) -> float:
    """User and system CPU of a process and its children (the gunicorn worker) so far."""
    total = 0.0
    for task in [pid] + [int(p) for p in open(f"/proc/{pid}/task/{pid}/children").read().split()]:
        fields = open(f"/proc/{task}/stat").read().rpartition(")")[2].split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def wait_ready(port: int, proc: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("our server exited during start-up")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("our server did not start")


def prepare_room(port: int, creds: dict, n: int, room: str = "bench", first: int = 0) -> None:
    """Make bench<first>..bench<first+n-1> members of the channel `room` through REST before they
    connect: the load measures users returning to their chat. (A first-time join also announces
    memberJoined to every member, N x N deliveries for N newcomers; the peers' rooms have no
    members to tell.)"""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    base = f"/v2/Services/{creds['TWILIO_IPM_SERVICE_SID']}/Channels"
    headers = {"Authorization": basic_auth(creds), "Content-Type": "application/x-www-form-urlencoded"}
    for path, form in [(base, {"UniqueName": room})] + [
        (f"{base}/{room}/Members", {"Identity": f"bench{number}"}) for number in range(first, first + n)
    ]:
        conn.request("POST", path, body=urlencode(form), headers=headers)
        response = conn.getresponse()
        response.read()
        if response.status != 201:
            raise SystemExit(f"preparing the bench channel failed: {response.status}")
    conn.close()


# chat-3w-pg-redis: three server processes on one PostgreSQL database and one Redis, as three
# machines would run them (here on one machine, behind one port).
MODES = {
    "chat-1w": {"WEB_CONCURRENCY": "1"},
    "chat-3w-redis": {"WEB_CONCURRENCY": "3"},
    "chat-3w-pg-redis": {"WEB_CONCURRENCY": "3"},
}


def basic_auth(creds: dict) -> str:
    """The Authorization header's value for REST as the account."""
    pair = f"{creds['TWILIO_ACCOUNT_SID']}:{creds['TWILIO_AUTH_TOKEN']}"
    return "Basic " + base64.b64encode(pair.encode()).decode()


# Our server as the Procfile runs it (gunicorn.conf.py), quieter.
SERVER_COMMAND = [
    os.path.join(VENV, "gunicorn"), "-c", "gunicorn.conf.py", "--log-level", "warning",
    "--access-logfile", "/dev/null", "app:app",
]  # fmt: skip


def server_env(creds: dict, port: int, database_path: str, mode: str = "chat-1w") -> dict:
    return {
        **os.environ,
        **creds,
        "PORT": str(port),
        "DATABASE_PATH": database_path,
        "CHANNEL_ACTION_RATE": "0",  # measure delivery, not the per-channel limit
        # Thousands of bench sockets connect at once from one address, past the per-address guard.
        "UNAUTHENTICATED_SOCKETS_PER_ADDRESS": "1000000",
        "MAX_SOCKETS": "1000000",
        **MODES[mode],
    }


def load_env(creds: dict) -> dict:
    """The credentials bench/chat_adapter.py mints tokens with."""
    return {
        "BENCH_ACCOUNT_SID": creds["TWILIO_ACCOUNT_SID"],
        "BENCH_API_KEY": creds["TWILIO_API_KEY"],
        "BENCH_API_SECRET": creds["TWILIO_API_SECRET"],
        "BENCH_SERVICE_SID": creds["TWILIO_IPM_SERVICE_SID"],
    }


def run_ours(mode: str, n: int, rates: list[float], args, out: str) -> None:
    creds = credentials()
    port = free_port()
    folder = tempfile.mkdtemp(prefix="chat-bench-")
    env = server_env(creds, port, os.path.join(folder, "bench.db"), mode)
    if mode in ("chat-3w-redis", "chat-3w-pg-redis"):
        env["REDIS_URL"] = args.redis_url
    if mode == "chat-3w-pg-redis":
        from postgres_db import fresh_database_url

        env["DATABASE_URL"] = fresh_database_url(mode)
    server = subprocess.Popen(SERVER_COMMAND, cwd=ROOT, env=env)
    try:
        wait_ready(port, server)
        prepare_room(port, creds, n)
        bench_env = {**os.environ, **load_env(creds), "SHARED_BENCH": SHARED}
        print(f"== N={n} {mode} rates={[round(r, 2) for r in rates]}", flush=True)
        subprocess.run(
            [
                BENCH_PY,
                os.path.join(HERE, "loadgen_chat.py"),
                "--url",
                f"ws://127.0.0.1:{port}",
                "--proto",
                "twiliochat",
                "-n",
                str(n),
                "-s",
                str(min(args.senders, n)),
                "--rates",
                ",".join(f"{r:g}" for r in rates),
                "-t",
                str(args.duration),
                "--pid",
                str(server.pid),
                "--label",
                mode,
                "--stop-after-fail",
                "1",
                "--json-out",
                out,
            ],
            env=bench_env,
            timeout=args.duration * len(rates) * 3 + 180,
            check=False,
        )
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


def run_peers(args, ns: str, ladder: str, out: str) -> None:
    subprocess.run(
        [
            BENCH_PY,
            os.path.join(SHARED, "run_matrix.py"),
            "--servers",
            args.peers,
            "--ns",
            ns,
            "--ladder",
            ladder,
            "--duration",
            str(args.duration),
            "--out",
            out,
        ],
        check=False,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ns", default="500")
    parser.add_argument(
        "--ladder",
        default="8000,16000,24000,32000,40000,48000,56000,64000,72000,80000,96000,112000,128000",
        help="deliveries per second",
    )
    parser.add_argument("--peers", default="fsio-threading,fsio-gevent,sock-gthread,node-socketio")
    parser.add_argument("--modes", default="chat-1w,chat-3w-redis,chat-3w-pg-redis")
    parser.add_argument("--idle-n", type=int, default=1000, help="sockets for the connect/memory pass (0: skip)")
    parser.add_argument("--storm", type=int, default=2000, help="clients in the reconnect storm (0: skip)")
    parser.add_argument("--duration", type=float, default=5)
    parser.add_argument("--senders", type=int, default=10)
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    parser.add_argument("--messages", type=int, default=1_000_000, help="size of the history channel")
    args = parser.parse_args()
    if not os.path.exists(BENCH_PY):
        subprocess.run(["bash", os.path.join(SHARED, "setup-env.sh")], check=True)
    results = os.path.join(HERE, "results")
    os.makedirs(os.path.join(results, "tmp"), exist_ok=True)
    out = os.path.join(results, time.strftime("run-%Y%m%d-%H%M%S.jsonl"))
    ladder = [float(x) for x in args.ladder.split(",")]
    modes = [m for m in args.modes.split(",") if m]
    for n in (int(x) for x in args.ns.split(",")):
        for mode in modes:
            run_ours(mode, n, [d / n for d in ladder], args, out)
    if args.peers:
        run_peers(args, args.ns, args.ladder, out)
    if args.idle_n:
        low = [2000 / args.idle_n]  # one gentle step: this pass is about connecting and idling
        for mode in modes:
            run_ours(mode, args.idle_n, low, args, out)
        if args.peers:
            run_peers(args, str(args.idle_n), "2000", out)
    if args.storm:
        storm = [BENCH_PY, os.path.join(HERE, "storm.py"), "-n", str(args.storm), "--out", out]
        subprocess.run(storm, cwd=HERE, check=False)
    python = os.path.join(VENV, "python")
    subprocess.run([python, os.path.join(HERE, "store_bench.py"), "--messages", str(args.messages), "--out", out])
    subprocess.run([python, os.path.join(HERE, "replay.py")], cwd=ROOT, check=False)
    subprocess.run([python, os.path.join(HERE, "table.py"), out], check=False)
    print(json.dumps({"results": out}))


if __name__ == "__main__":
    main()
