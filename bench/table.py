"""One table from `make bench` results files (JSON lines from the load generator and
store_bench.py; with several files, later runs replace earlier ones): fan-out ceilings at the
ladder's N (with the load generator's CPU there: near 100%, the generator is the limit, not the
server), connect time and idle memory at the idle pass's N, and the storage figures, with our
targets checked."""

import json
import sys
from collections import defaultdict

ORDER = ["chat-1w", "chat-3w-redis", "fsio-threading", "fsio-gevent", "sock-gthread", "sock-gevent", "node-socketio"]


def ceiling(run: dict) -> dict | None:
    passed = [step for step in run.get("steps", []) if step["ok"]]
    return max(passed, key=lambda step: step["delivered_per_s"]) if passed else None


def main(paths: list[str]) -> None:
    runs = [json.loads(line) for path in paths for line in open(path) if line.strip()]
    store = next((r for r in reversed(runs) if r.get("mode") == "store"), None)
    storm = next((r for r in reversed(runs) if r.get("label") == "storm"), None)
    by = defaultdict(dict)  # label -> n -> run (the last one wins)
    for run in runs:
        if "steps" in run:
            by[run["label"]][run["n"]] = run
    ns = sorted({n for runs_of in by.values() for n in runs_of})
    ladder_n, idle_n = ns[0], ns[-1]
    labels = sorted(by, key=lambda label: ORDER.index(label) if label in ORDER else len(ORDER))

    best = {label: ceiling(by[label][ladder_n]) if ladder_n in by[label] else None for label in labels}
    print(
        f"| server | ceiling deliveries/s (N={ladder_n}) | = sends/s | p50 / p99 ms | next step | "
        f"generator / server CPU % at the ceiling | connect {idle_n} sockets | RSS per idle socket |"
    )
    print("|---|---:|---:|---|---|---|---:|---:|")
    for label in labels:
        run = by[label].get(ladder_n)
        top = best[label]
        later = [s for s in run["steps"] if top is None or s["rate"] > top["rate"]] if run else []
        nxt = later[0] if later else None
        idle = by[label].get(idle_n, {})
        cells = [
            f"**{label}**" if label.startswith("chat") else label,
            f"{top['delivered_per_s']:,.0f}" if top else "below the first step",
            f"{top['rate_sent']:,.0f}" if top else "-",
            f"{top['p50_ms']:.1f} / {top['p99_ms']:.1f}" if top else "-",
            f"{nxt['rate'] * ladder_n:,.0f}/s: p99 {nxt['p99_ms']} ms, {nxt['lost']} lost" if nxt else "(top)",
            f"{top['gen_cpu_pct']:.0f} / {top.get('srv_cpu_pct', 0):.0f}" if top else "-",
            f"{idle['connect_wall_s']:.2f} s ({idle['connected']}/{idle_n})" if "connect_wall_s" in idle else "-",
            f"{idle['rss_per_conn_kb']:.0f} KB" if "rss_per_conn_kb" in idle else "-",
        ]
        print("| " + " | ".join(cells) + " |")

    def rate(label: str) -> float:
        return best[label]["delivered_per_s"] if best.get(label) else 0.0

    print()
    ours = rate("chat-1w")
    # Each peer in its best configuration: Flask-SocketIO's best mode here is usually gevent.
    fsio = max(("fsio-threading", "fsio-gevent"), key=rate)
    for peer, target in ((fsio, 1.5), ("node-socketio", 0.7)):
        if rate(peer):
            print(f"- chat-1w / {peer}: {ours / rate(peer):.2f}x (target >= {target}x)")
    if ours and rate("chat-3w-redis"):
        print(f"- chat-3w-redis / chat-1w: {rate('chat-3w-redis') / ours:.2f}x (target >= 1.8x)")
        if rate("chat-3w-pg-redis"):
            print(f"- chat-3w-pg-redis / chat-3w-redis: {rate('chat-3w-pg-redis') / rate('chat-3w-redis'):.2f}x")
    if storm:
        print(
            f"- reconnect storm, {storm['clients']:,} clients after a restart ({storm['server_start_s']} s to start): "
            f"all resumed in {storm['resumed_s']} s, "
            f"every one of {storm['messages']} messages everywhere in {storm['caught_up_s']} s; "
            f"{storm['missing']} missing, {storm['delivered_twice']} twice, "
            f"{storm['clients_with_every_message_in_order']:,} clients with all in order "
            f"(server CPU {storm['server_cpu_s_after_restart']} s)"
        )
    if store:
        for prefix, who in (("ingest_", "the account's sends"), ("ingest_members_", "SDK users' sends")):
            ingest = {}
            for mode, name, target in (
                ("normal", "SQLite, synchronous=NORMAL", ">= 5,000"),
                ("full", "SQLite, synchronous=FULL", ">= 5,000"),
                ("postgres", "PostgreSQL", ">= half of SQLite NORMAL"),
            ):
                start = f"{prefix}{mode}_"  # then "<threads>t_per_s"
                counts = sorted(int(key[len(start) :].split("t_")[0]) for key in store if key.startswith(start))
                if not counts:
                    continue
                ingest[mode] = [store[f"{prefix}{mode}_{n}t_per_s"] for n in counts]
                rates = " / ".join(f"{value:,}" for value in ingest[mode])
                threads = " / ".join(map(str, counts))
                print(
                    f"- persisted ingest, {who}, {name}, {threads} sending threads: {rates} messages/s (target {target})"
                )
            if "postgres" in ingest and "normal" in ingest:
                ratios = " / ".join(
                    f"{pg / lite:.2f}x" for pg, lite in zip(ingest["postgres"], ingest["normal"], strict=True)
                )
                print(f"- PostgreSQL / SQLite NORMAL ingest, {who}: {ratios} (target >= 0.5x)")
        if "messages" in store:  # absent when the history part was skipped (--messages 0)
            print(
                f"- newest page of 50 from {store['messages']:,} messages: p50 {store['page50_p50_ms']} ms, "
                f"p99 {store['page50_p99_ms']} ms (target < 5 ms)"
            )


if __name__ == "__main__":
    main(sys.argv[1:])
