#!/usr/bin/env python3
"""Side-by-side table of bench/run-peer-bench.sh's runs.

    python3 bench/peer_compare.py DIR

Reads DIR/peer_{controlroom_udp,mumble_udp,controlroom_websocket,mumble_tcp}_rN.json
for every round N (media_load / mumble_load reports; the unnumbered names of
runs before rounds are read too; peer_controlroom_websocket_plain.json if
present), prints one table per path with the ratio controlroomd / Mumble of
server CPU per forwarded packet at each load, pooled over the rounds (CPU
seconds and packets summed), then each round's ratio over all steps, and
writes DIR/peer_comparison.json.
"""
import glob
import json
import os
import re
import statistics
import sys

PATHS = [
    ("UDP", "peer_controlroom_udp", "peer_mumble_udp"),
    # Our fallback over wss:// (TLS 1.3), like Mumble's tunnel; see
    # run-peer-bench.sh for PEER_BENCH_TCP_TLS=0.
    ("TCP", "peer_controlroom_websocket", "peer_mumble_tcp"),
    # Our fallback without TLS (one run) against Mumble's TCP runs: what TLS
    # costs us, not a like-for-like ratio.
    ("TCP (ours on plain ws://, not like for like)", "peer_controlroom_websocket_plain",
     "peer_mumble_tcp"),
]

# Per step, what is summed over rounds; the rest (latency, loss) is the
# worst round's.
SUMMED = ("server_cpu_seconds", "received", "seconds", "other_processes_cpu_seconds",
          "udp_rcvbuf_errors_machine", "dropped_at_generator_sockets")


def runs(out_dir, stem):
    """{round: {rooms: step}}; round 0 is an unnumbered file."""
    found = {}
    for path in glob.glob(os.path.join(out_dir, stem + "*.json")):
        m = re.fullmatch(re.escape(stem) + r"(?:_r(\d+))?\.json", os.path.basename(path))
        if m:
            with open(path) as f:
                found[int(m.group(1) or 0)] = {s["sessions"]: s for s in json.load(f)["steps"]}
    if not found:
        raise FileNotFoundError(2, "no such file", os.path.join(out_dir, stem + "_r*.json"))
    return found


def pooled(by_round):
    """One step per load: CPU seconds and packets summed over the rounds,
    the worst round's latency and loss."""
    out = {}
    for steps in by_round.values():
        for rooms, s in steps.items():
            if rooms not in out:
                out[rooms] = {**s, "latency_us": dict(s["latency_us"])}
                continue
            p = out[rooms]
            for k in SUMMED:
                p[k] += s[k]
            p["forwarded_pps"] = min(p["forwarded_pps"], s["forwarded_pps"])
            p["loss_percent"] = max(p["loss_percent"], s["loss_percent"])
            for q in ("p50", "p99", "p999"):
                p["latency_us"][q] = max(p["latency_us"][q], s["latency_us"][q])
    for p in out.values():
        p["server_cpu_us_per_forwarded_packet"] = (
            p["server_cpu_seconds"] / p["received"] * 1e6 if p["received"] else 0.0)
    return out


def all_steps_ratio(a, b):
    """(ours us/packet, theirs us/packet, ratio) over the loads both have."""
    both = set(a) & set(b)
    c_cpu = sum(max(a[r]["server_cpu_seconds"], 0) for r in both)
    c_pk = sum(a[r]["received"] for r in both)
    m_cpu = sum(max(b[r]["server_cpu_seconds"], 0) for r in both)
    m_pk = sum(b[r]["received"] for r in both)
    if not (c_pk and m_pk and m_cpu):
        return None
    return c_cpu / c_pk * 1e6, m_cpu / m_pk * 1e6, (c_cpu / c_pk) / (m_cpu / m_pk)


def cpu_us(s):
    return s["server_cpu_us_per_forwarded_packet"]


def server_drops(s):
    # Datagrams the kernel dropped at a full socket buffer, minus those at the
    # generator's own sockets: the server's (loopback; nothing else runs UDP).
    return max(0, s["udp_rcvbuf_errors_machine"] - s["dropped_at_generator_sockets"])


def ratio(a, b):
    return a / b if a > 0 and b > 0 else None


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else "build-bench/bench"
    report = {}
    for name, ours, theirs in PATHS:
        try:
            ours_runs, theirs_runs = runs(out_dir, ours), runs(out_dir, theirs)
        except FileNotFoundError as e:
            print(f"{name}: not measured (no {e.filename or e.args[0]})")
            continue
        a, b = pooled(ours_runs), pooled(theirs_runs)
        rounds = sorted(set(ours_runs) & set(theirs_runs))
        print(f"{name} path: controlroomd (c) vs Mumble (m); rooms of "
              f"{next(iter(a.values()))['participants']}, one speaker each; "
              f"{len(ours_runs)} run(s) of ours, {len(theirs_runs)} of Mumble's, pooled")
        print(f"{'rooms':>5} {'fwd/s c':>9} {'fwd/s m':>9} {'us/pk c':>8} {'us/pk m':>8} "
              f"{'c/m cpu':>7} {'p50 c':>8} {'p50 m':>8} {'p99 c':>8} {'p99 m':>8} "
              f"{'p99.9 c':>8} {'p99.9 m':>8} {'loss% c':>8} {'loss% m':>8} {'srvdrop c':>9} "
              f"{'srvdrop m':>9} {'other%':>7}")
        rows = []
        for rooms in sorted(set(a) & set(b)):
            c, m = a[rooms], b[rooms]
            r = ratio(cpu_us(c), cpu_us(m))
            lc, lm = c["latency_us"], m["latency_us"]
            other = (c["other_processes_cpu_seconds"] + m["other_processes_cpu_seconds"]) / (
                c["seconds"] + m["seconds"]) * 100
            print(f"{rooms:>5} {c['forwarded_pps']:>9.0f} {m['forwarded_pps']:>9.0f} "
                  f"{cpu_us(c):>8.2f} {cpu_us(m):>8.2f} "
                  f"{(f'{r:.2f}' if r else '-'):>7} {lc['p50']:>8.0f} {lm['p50']:>8.0f} "
                  f"{lc['p99']:>8.0f} {lm['p99']:>8.0f} {lc['p999']:>8.0f} {lm['p999']:>8.0f} "
                  f"{c['loss_percent']:>8.3f} {m['loss_percent']:>8.3f} {server_drops(c):>9} "
                  f"{server_drops(m):>9} {other:>7.0f}")
            rows.append({"rooms": rooms, "cpu_ratio": r, "controlroomd": c, "mumble": m})
        overall = all_steps_ratio(a, b)
        if overall:
            print(f"all steps, pooled: controlroomd {overall[0]:.2f} us/packet, "
                  f"Mumble {overall[1]:.2f} us/packet: ratio {overall[2]:.2f}")
        per_round = []
        for rnd in rounds:
            rr = all_steps_ratio(ours_runs[rnd], theirs_runs[rnd])
            if rr:
                per_round.append({"round": rnd, "controlroomd_us": rr[0], "mumble_us": rr[1],
                                  "cpu_ratio": rr[2]})
        if len(per_round) > 1:
            ratios = [x["cpu_ratio"] for x in per_round]
            print("each round: " + ", ".join(
                f"r{x['round']} {x['controlroomd_us']:.2f}/{x['mumble_us']:.2f} = "
                f"{x['cpu_ratio']:.2f}" for x in per_round) +
                f"; median {statistics.median(ratios):.2f}, range {min(ratios):.2f}-"
                f"{max(ratios):.2f}")
        print("(latency in us, the worst round's; srvdrop: datagrams dropped at the server's "
              "full UDP socket buffer, from the kernel's RcvbufErrors;\n other% = CPU of "
              "everything else on the machine, % of one core)")
        print()
        report[name] = {"rows": rows, "cpu_ratio_all_steps": overall[2] if overall else None,
                        "rounds": per_round}
    with open(os.path.join(out_dir, "peer_comparison.json"), "w") as f:
        json.dump(report, f, indent=1)


if __name__ == "__main__":
    main()
