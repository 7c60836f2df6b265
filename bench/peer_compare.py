#!/usr/bin/env python3
"""Side-by-side table of bench/run-peer-bench.sh's four runs.

    python3 bench/peer_compare.py DIR

Reads DIR/peer_{controlroom_udp,mumble_udp,controlroom_websocket,mumble_tcp}.json
(media_load / mumble_load reports; peer_controlroom_websocket_plain.json too
if present), prints one table per path with the ratio
controlroomd / Mumble of server CPU per forwarded packet at each load, and
writes DIR/peer_comparison.json.
"""
import json
import os
import sys

PATHS = [
    ("UDP", "peer_controlroom_udp.json", "peer_mumble_udp.json"),
    # Our fallback over wss:// (TLS 1.3), like Mumble's tunnel; see
    # run-peer-bench.sh for PEER_BENCH_TCP_TLS=0.
    ("TCP", "peer_controlroom_websocket.json", "peer_mumble_tcp.json"),
    # Our fallback without TLS against the same Mumble run: what TLS costs
    # us, not a like-for-like ratio.
    ("TCP (ours on plain ws://, not like for like)", "peer_controlroom_websocket_plain.json",
     "peer_mumble_tcp.json"),
]


def steps(path):
    with open(path) as f:
        return {s["sessions"]: s for s in json.load(f)["steps"]}


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
            a, b = steps(os.path.join(out_dir, ours)), steps(os.path.join(out_dir, theirs))
        except FileNotFoundError as e:
            print(f"{name}: missing {e.filename}")
            continue
        print(f"{name} path: controlroomd (c) vs Mumble (m); rooms of "
              f"{next(iter(a.values()))['participants']}, one speaker each")
        print(f"{'rooms':>5} {'fwd/s c':>9} {'fwd/s m':>9} {'us/pk c':>8} {'us/pk m':>8} "
              f"{'c/m cpu':>7} {'p50 c':>8} {'p50 m':>8} {'p99 c':>8} {'p99 m':>8} "
              f"{'p99.9 c':>8} {'p99.9 m':>8} {'loss% c':>8} {'loss% m':>8} {'srvdrop c':>9} "
              f"{'srvdrop m':>9} {'other%':>7}")
        rows = []
        total = {"c_cpu": 0.0, "c_pk": 0, "m_cpu": 0.0, "m_pk": 0}
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
            total["c_cpu"] += max(c["server_cpu_seconds"], 0)
            total["c_pk"] += c["received"]
            total["m_cpu"] += max(m["server_cpu_seconds"], 0)
            total["m_pk"] += m["received"]
        overall = None
        if total["c_pk"] and total["m_pk"] and total["m_cpu"]:
            overall = (total["c_cpu"] / total["c_pk"]) / (total["m_cpu"] / total["m_pk"])
            print(f"all steps: controlroomd {total['c_cpu'] / total['c_pk'] * 1e6:.2f} us/packet, "
                  f"Mumble {total['m_cpu'] / total['m_pk'] * 1e6:.2f} us/packet: "
                  f"ratio {overall:.2f}")
        print("(latency in us; srvdrop: datagrams dropped at the server's full UDP socket buffer, "
              "from the kernel's RcvbufErrors;\n other% = CPU of everything else on the machine, "
              "% of one core)")
        print()
        report[name] = {"rows": rows, "cpu_ratio_all_steps": overall}
    with open(os.path.join(out_dir, "peer_comparison.json"), "w") as f:
        json.dump(report, f, indent=1)


if __name__ == "__main__":
    main()
