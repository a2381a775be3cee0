"""What one connection costs: CPU seconds per socket on the server and on the client while N
sockets connect (upgrade, hello, join; as the load generator connects them), for our server
(one worker) and node socket.io, in the same run.

Wall time alone cannot say who is the bottleneck on two cores: this prints wall, server CPU and
client CPU per socket, with the client opening sockets one at a time (`-c 1`: what a socket
costs with nothing to wait for) and 50 at a time (the load generator's concurrency).

    .venv/bin/python bench/connect_cost.py [-n 1000] [--rounds 2] [--database postgres]

The client runs under the bench environment's Python (aiohttp), as the load generator does.
"""

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def context_switches(pid: int) -> int:
    """Voluntary context switches (a thread waiting: for a lock, the interpreter, I/O) of all a
    process's living threads. Involuntary ones count other processes' load, not the server's."""
    total = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/status") as status:
                total += sum(int(line.split()[1]) for line in status if line.startswith("voluntary_ctxt_switches"))
        except FileNotFoundError:  # the thread ended meanwhile
            pass
    return total


# --- the client (bench environment) ---------------------------------------------------------
async def connect_all(adapter, url: str, n: int, concurrency: int, pid: int) -> dict:
    import aiohttp
    from run import cpu_seconds

    gate = asyncio.Semaphore(concurrency)
    sockets = []
    session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0, force_close=True))

    class Conn:  # what an adapter's handshake uses of a connection
        def __init__(self, ws):
            self.ws = ws

        async def send(self, text):
            await self.ws.send_str(text)

        async def recv(self):
            return (await self.ws.receive()).data

    async def one() -> None:
        async with gate:
            ws = await session.ws_connect(adapter.url(url), heartbeat=None, compress=0, max_msg_size=0)
            await adapter.handshake(Conn(ws), "bench")
            sockets.append(ws)

    switches = context_switches(pid)
    server_before, client_before, began = cpu_seconds(pid), time.process_time(), time.perf_counter()
    await asyncio.gather(*(one() for _ in range(n)))
    wall = time.perf_counter() - began
    server, client = cpu_seconds(pid) - server_before, time.process_time() - client_before
    switches = context_switches(pid) - switches
    await asyncio.gather(*(ws.close() for ws in sockets))
    await session.close()
    return {
        "concurrency": concurrency,
        "wall_s": round(wall, 2),
        "server_ms_per_socket": round(server / n * 1000, 2),
        "client_ms_per_socket": round(client / n * 1000, 2),
        "server_switches_per_socket": round(switches / n, 1),
    }


def client_main(args) -> None:
    import run

    sys.path.insert(0, os.path.join(run.SHARED, "loadgen"))
    import adapters
    from chat_adapter import ChatWs

    for concurrency in args.concurrency:
        # each pass as the same users, bench0..bench<n-1>: the members bench/run.py made
        adapter = ChatWs() if args.proto == "twiliochat" else adapters.ADAPTERS[args.proto]
        print(json.dumps(asyncio.run(connect_all(adapter, args.url, args.n, concurrency, args.pid))), flush=True)
        time.sleep(3.0)  # the closes settle before the next pass


# --- the runner (our venv) ------------------------------------------------------------------
def measure(label: str, proto: str, url: str, pid: int, n: int, env: dict) -> list[dict]:
    import run

    command = [run.BENCH_PY, __file__, "--client", "--proto", proto, "--url", url, "--pid", str(pid), "-n", str(n)]
    out = subprocess.run(command, env=env, stdout=subprocess.PIPE, text=True, check=True).stdout
    return [{"server": label, **json.loads(line)} for line in out.splitlines() if line.startswith("{")]


def ours(n: int, database: str) -> list[dict]:
    import run

    creds, port = run.credentials(), run.free_port()
    folder = tempfile.mkdtemp(prefix="chat-connect-")
    env = run.server_env(creds, port, f"{folder}/bench.db")
    if database == "postgres":
        from postgres_db import fresh_database_url

        env["DATABASE_URL"] = fresh_database_url("connect")
    server = subprocess.Popen(run.SERVER_COMMAND, cwd=run.ROOT, env=env)
    try:
        run.wait_ready(port, server)
        run.prepare_room(port, creds, n)
        worker = int(subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True, text=True).stdout.split()[0])
        env = {**os.environ, **run.load_env(creds)}
        label = "chat-1w" if database == "sqlite" else "chat-1w-postgres"
        return measure(label, "twiliochat", f"http://127.0.0.1:{port}", worker, n, env)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


def node(n: int) -> list[dict]:
    import run

    port = run.free_port()
    modules = os.path.join(run.BENCH_ENV, "node", "node_modules")
    server = subprocess.Popen(
        ["node", "sio_server.js", str(port)],
        cwd=os.path.join(run.SHARED, "servers"),
        env={**os.environ, "NODE_PATH": modules},
        stdout=subprocess.DEVNULL,
    )
    try:
        run.wait_ready(port, server)
        return measure("node-socketio", "socketio", f"http://127.0.0.1:{port}", server.pid, n, dict(os.environ))
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=1000, help="sockets per pass")
    parser.add_argument("--rounds", type=int, default=2, help="alternating passes per server")
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite", help="our server's backend")
    parser.add_argument("--client", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--proto", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--pid", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.concurrency = [int(c) for c in os.environ.get("CONC", "1,50").split(",")]
    sys.path.insert(0, HERE)
    if args.client:
        client_main(args)
        return
    print(
        "| server | sockets at once | wall s | server CPU ms/socket | client CPU ms/socket | server voluntary context switches/socket |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    for _ in range(args.rounds):
        for row in ours(args.n, args.database) + node(args.n):
            print(
                f"| {row['server']} | {row['concurrency']} | {row['wall_s']} | {row['server_ms_per_socket']}"
                f" | {row['client_ms_per_socket']} | {row['server_switches_per_socket']} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
