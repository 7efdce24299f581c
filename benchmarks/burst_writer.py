"""The burst of pod updates, written from its own process (its CPU and GIL are not the client's).

    python benchmarks/burst_writer.py --kubeconfig KC --count K --round R [--connections C]

Reads the pods once, prepares K merge patches (pod-00000... : the default network-status entry
gets the address common.burst_ip(k, R), as if Multus re-attached it), prints `ready`, waits for a
line on stdin, then PATCHes as fast as the API server takes them over C keep-alive connections.
Last line on stdout: {"first_write": t, "last_write": t, "written": n, "errors": e, "writes_per_s": w}
with time.monotonic() stamps (CLOCK_MONOTONIC: comparable across processes on one machine);
last_write is when the last PATCH was acknowledged, i.e. committed by the server.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import threading
import time

from common import NETWORK_STATUS, Credentials, burst_ip, burst_pod


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--kubeconfig", required=True)
    ap.add_argument("--count", type=int, default=5000)
    ap.add_argument("--round", type=int, default=0)
    ap.add_argument("--connections", type=int, default=4)
    a = ap.parse_args()

    creds = Credentials.from_kubeconfig(a.kubeconfig)
    pool = creds.pool(maxsize=a.connections)
    r = pool.request("GET", f"{creds.server}/api/v1/pods", headers=creds.headers, timeout=120.0)
    items = {o["metadata"]["name"]: o for o in json.loads(r.data)["items"]}
    patches: list[tuple[str, bytes]] = []
    for k in range(a.count):
        pod = items.get(burst_pod(k))
        if pod is None:
            break
        meta = pod["metadata"]
        entries = json.loads(meta["annotations"][NETWORK_STATUS])
        for e in entries:
            if e.get("default"):
                e["ips"] = [burst_ip(k, a.round)]
        body = {"metadata": {"annotations": {NETWORK_STATUS: json.dumps(entries, indent=4)}}}
        patches.append((f"{creds.server}/api/v1/namespaces/{meta['namespace']}/pods/{meta['name']}",
                        json.dumps(body).encode()))
    del items
    print(json.dumps({"ready": len(patches)}), flush=True)
    sys.stdin.readline()

    headers = {**creds.headers, "Content-Type": "application/merge-patch+json"}
    counter = itertools.count()
    lock = threading.Lock()
    stats = {"written": 0, "errors": 0, "last": 0.0}

    def worker() -> None:
        while True:
            i = next(counter)
            if i >= len(patches):
                return
            url, body = patches[i]
            try:
                resp = pool.request("PATCH", url, body=body, headers=headers, timeout=30.0)
                ok = resp.status == 200
            except Exception:  # noqa: BLE001 - counted, the run says how many failed
                ok = False
            now = time.monotonic()
            with lock:
                stats["written" if ok else "errors"] += 1
                stats["last"] = max(stats["last"], now)

    first = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(a.connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    took = stats["last"] - first
    print(json.dumps({"first_write": first, "last_write": stats["last"], "written": stats["written"],
                      "errors": stats["errors"], "writes_per_s": round(stats["written"] / took, 1) if took else None}),
          flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
