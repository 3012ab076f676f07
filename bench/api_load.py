"""API appends through a running server, from this (second) process, on loopback only.

`python bench/api_load.py --port P --token-file F --requests 2000 --seconds 30 --clients 4` prints
one JSON object. Each of `--clients` threads opens cases of its own and appends, one event per
`POST /api/v1/events` request: a `CaseOpened`, then a `LeadAssigned` on that case, and so on
(half the requests open a case, half assign its lead; the token's official is the actor). Every
request is a new connection (gunicorn's sync workers close each one). It stops after `--requests`
requests or `--seconds` seconds, whichever comes first (requests in flight finish).

Reported: requests sent, responses by status, appended (201), wall seconds from the first send to
the last answer, the rate of 201s per second, and latency percentiles (each request from connect
to the end of its answer).
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import threading
import time
import uuid
from collections import Counter
from datetime import datetime, timedelta, timezone
from typing import Any

HOST = "127.0.0.1"  # loopback only
LOCAL = timezone(timedelta(hours=7))


def percentile(ordered: list[float], q: float) -> float:
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--token-file", required=True)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args()
    with open(args.token_file, encoding="utf-8") as secret:
        token = secret.read().strip()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    run = uuid.uuid4().hex[:8]
    lock = threading.Lock()
    sent = 0
    latencies: list[float] = []
    statuses: Counter[int | str] = Counter()
    samples_of_errors: list[str] = []
    deadline = time.monotonic() + args.seconds

    def take() -> bool:
        nonlocal sent
        with lock:
            if sent >= args.requests or time.monotonic() >= deadline:
                return False
            sent += 1
            return True

    def client(number: int) -> None:
        case_number = 0
        while True:
            case_number += 1
            reference = f"BENCH-API-{run}-{number}-{case_number}"
            at = datetime.now(LOCAL).replace(microsecond=0) - timedelta(minutes=2)
            bodies = [
                {"type": "CaseOpened", "case": reference, "procedure": "CONSTRUCTION_PERMIT",
                 "title": f"Hồ sơ API {reference}", "at": at.isoformat(), "id": f"{reference}-1"},
                {"type": "LeadAssigned", "case": reference, "agency": "SXD", "official": "sxd.nva",
                 "at": (at + timedelta(minutes=1)).isoformat(), "id": f"{reference}-2"},
            ]
            for body in bodies:
                if not take():
                    return
                payload = json.dumps(body, ensure_ascii=False).encode()
                started = time.perf_counter()
                try:
                    connection = http.client.HTTPConnection(HOST, args.port, timeout=60)
                    connection.request("POST", "/api/v1/events", body=payload, headers=headers)
                    response = connection.getresponse()
                    answer = response.read()
                    status: int | str = response.status
                    connection.close()
                except OSError as error:
                    status, answer = type(error).__name__, str(error).encode()
                seconds = time.perf_counter() - started
                with lock:
                    latencies.append(seconds)
                    statuses[status] += 1
                    if status != 201 and len(samples_of_errors) < 5:
                        samples_of_errors.append(f"{status}: {answer[:200]!r}")

    threads = [threading.Thread(target=client, args=(n,)) for n in range(args.clients)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - began
    ordered = sorted(latencies)
    appended = statuses.get(201, 0)
    result: dict[str, Any] = {
        "requests": len(latencies), "clients": args.clients, "limit_requests": args.requests,
        "limit_seconds": args.seconds, "seconds": round(wall, 3), "appended": appended,
        "statuses": {str(k): v for k, v in sorted(statuses.items(), key=lambda kv: str(kv[0]))},
        "rate_per_s": round(appended / wall, 1) if wall else None,
        "latency": {"median_s": round(statistics.median(ordered), 4), "p95_s": round(percentile(ordered, 0.95), 4),
                    "p99_s": round(percentile(ordered, 0.99), 4), "max_s": round(ordered[-1], 4)} if ordered else None,
        "errors_sample": samples_of_errors,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
