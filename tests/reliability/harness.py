"""The reliability suite's machinery: real processes on 127.0.0.1, a client that can hang up in
the middle of a request, and a journal of every request and reply, checked against the ledger.

- `Child`, `Gunicorn`, `LedgerWorker`: processes started by the suite, each in a session of its
  own with its output in a log file under the test's tmp dir; `Children` stops every one of them
  (SIGTERM, then SIGKILL to its own process group) whatever happens.
- `post`, `hang_up_after_sending`, `hang_up_mid_body`: one POST to the JSON API, complete, or
  dropped by the client after the whole request went out (the server appends, the reply is
  lost) or in the middle of the body (nothing may be appended).
- `Sent` / `Journal` / `deliver`: one event by its idempotency `id`, every reply it got, and the
  retry loop of a well-behaved client (the same bytes, so the same `id`, until an answer).
- `audit`: the journal against the events stored in the ledger, by `id`.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from ledger import LOCAL_TZ, Ledger, parse_event

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
SECRET = "reliability-suite-secret"
EVENTS_PATH = "/api/v1/events"
#: The last line of a traceback: `package.module.SomeError: message`.
EXCEPTION_LINE = re.compile(r"^(?:[A-Za-z_]\w*\.)*[A-Z]\w*(?:Error|Exception|Violation|Shutdown): ")


# --- processes ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def service_env(store_url: str, **extra: str) -> dict[str, str]:
    """The environment of every process of a deployment: the store, the secret key shared by the
    web workers, unbuffered output (a SIGKILLed process loses nothing it printed). The key file
    (LEDGER_KEY_FILE) comes from the test's own environment, so every process signs with it."""
    return {**os.environ, "LEDGER_DATABASE_URL": store_url, "LEDGER_SECRET_KEY": SECRET,
            "LEDGER_COOKIE_SECURE": "0", "PYTHONUNBUFFERED": "1", **extra}


def run_ledger(store_url: str, *args: str, env: dict[str, str],
               timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """One `ledger` command, to its end."""
    return subprocess.run([str(BIN / "ledger"), "--db", store_url, *args], env=env, cwd=REPO, capture_output=True,
                          text=True, timeout=timeout, check=False)


def children_of(pid: int) -> list[int]:
    """The live (not zombie) child processes of `pid`, read from /proc."""
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path("/proc", entry.name, "stat").read_text()
        except OSError:
            continue
        state, ppid = stat.rsplit(")", 1)[1].split()[:2]
        if int(ppid) == pid and state not in ("Z", "X"):
            found.append(int(entry.name))
    return sorted(found)


class Child:
    """One process started by the suite, in a session of its own, its output in `log_path`."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], log_path: Path) -> None:
        self.name, self.argv, self.env, self.log_path = name, argv, env, log_path
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Child:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            log.write(f"--- {self.name} started: {' '.join(self.argv)}\n".encode())
            log.flush()
            self.process = subprocess.Popen(self.argv, env=self.env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL, start_new_session=True)
        return self

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL, as a crash: no handler runs, no transaction is finished."""
        assert self.process is not None
        with suppress(ProcessLookupError):
            os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self, grace: float = 15.0) -> None:
        """SIGTERM (gunicorn finishes its requests), then SIGKILL to whatever is left of the
        process's own group (workers orphaned by a killed master)."""
        process = self.process
        if process is None or process.returncode is not None:
            return  # already ended and reaped (killed by the test): nothing of its own is left
        with suppress(ProcessLookupError):
            os.kill(process.pid, signal.SIGTERM)
        with suppress(subprocess.TimeoutExpired):
            process.wait(timeout=grace)
        with suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)  # its own session's group: workers it left behind
        with suppress(subprocess.TimeoutExpired):
            process.wait(timeout=10)

    def errors_logged(self, limit: int = 3) -> list[str]:
        """The most frequent exception lines of its log (`psycopg.errors.X: …`), with their counts."""
        found = Counter(line[:300] for line in self.log_tail(10_000_000).splitlines() if EXCEPTION_LINE.match(line))
        return [f"{n} x {line}" for line, n in found.most_common(limit)]

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""


class Gunicorn(Child):
    """`gunicorn --no-control-socket -w N -b 127.0.0.1:PORT 'web:create_app()'`, as the README runs it."""

    def __init__(self, store_url: str, workers: int, log_path: Path, env: dict[str, str]) -> None:
        self.port = free_port()
        self.workers = workers
        super().__init__("gunicorn", [str(BIN / "gunicorn"), "--no-control-socket", "-w", str(workers), "-b",
                                      f"{HOST}:{self.port}", "web:create_app()"], env, log_path)

    def worker_pids(self) -> list[int]:
        return children_of(self.pid) if self.alive() else []

    def wait_ready(self, timeout: float = 60) -> None:
        """Until /healthz answers 200 and every worker is up."""
        deadline = time.monotonic() + timeout
        while True:
            if not self.alive():
                raise AssertionError(f"gunicorn exited with {self.process.returncode if self.process else None}:\n"
                                     f"{self.log_tail()}")
            reply = get(self.port, "/healthz", timeout=5)
            if reply.status == 200 and len(self.worker_pids()) == self.workers:
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"gunicorn not ready after {timeout} s ({reply}):\n{self.log_tail()}")
            time.sleep(0.2)

    def kill_worker(self, pid: int | None = None) -> int:
        """SIGKILL one worker (never the master); returns its pid once the master has replaced it."""
        before = self.worker_pids()
        victim = pid if pid is not None else before[0]
        assert victim in before and victim != self.pid
        os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while True:
            now = self.worker_pids()
            if victim not in now and len(now) == self.workers:
                return victim
            if time.monotonic() > deadline:
                raise AssertionError(f"gunicorn did not replace worker {victim}: {now}\n{self.log_tail()}")
            time.sleep(0.05)


class LedgerWorker(Child):
    """`ledger worker`: keeps the read models current and signs what keyless writers appended."""

    def __init__(self, store_url: str, log_path: Path, env: dict[str, str], *, interval: float = 0.2,
                 name: str = "ledger worker") -> None:
        super().__init__(name, [str(BIN / "ledger"), "--db", store_url, "worker", "--interval", str(interval)],
                         env, log_path)

    def wait_started(self, timeout: float = 30) -> None:
        """Until it has said where it works (it opened the store)."""
        deadline = time.monotonic() + timeout
        while "worker on " not in self.log_tail(100_000):
            if not self.alive() or time.monotonic() > deadline:
                raise AssertionError(f"{self.name} did not start:\n{self.log_tail()}")
            time.sleep(0.05)


class Children:
    """Every process a test started; `stop_all` (in a finally) ends them all, newest first."""

    def __init__(self) -> None:
        self._started: list[Child] = []

    def start(self, child: Child) -> Any:
        self._started.append(child)
        return child.start()

    def stop_all(self) -> None:
        for child in reversed(self._started):
            child.stop()


@contextmanager
def children() -> Iterator[Children]:
    started = Children()
    try:
        yield started
    finally:
        started.stop_all()


# --- HTTP -----------------------------------------------------------------------------------


@dataclass
class Reply:
    """What one attempt got: `response` (a status and body), `hung_up` or `cut` (the client
    dropped the connection after the whole request, or in the middle of its body), or
    `transport` (the connection failed: refused, reset, timed out)."""

    outcome: str
    status: int | None = None
    body: Any = None
    error: str | None = None
    at: float = field(default_factory=time.monotonic)

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    def event(self) -> dict[str, Any]:
        """The one appended event's result (event id, position, duplicate) of a 2xx."""
        assert self.ok and isinstance(self.body, dict)
        return dict(self.body["events"][0])


def _headers(port: int, token: str, length: int) -> dict[str, str]:
    return {"Host": f"{HOST}:{port}", "Authorization": f"Bearer {token}", "Content-Type": "application/json",
            "Content-Length": str(length), "Connection": "close"}


def _raw_request(port: int, token: str, body: bytes) -> bytes:
    head = "".join(f"{k}: {v}\r\n" for k, v in _headers(port, token, len(body)).items())
    return f"POST {EVENTS_PATH} HTTP/1.1\r\n{head}\r\n".encode() + body


def _reply(status: int, data: bytes) -> Reply:
    try:
        body: Any = json.loads(data)
    except ValueError:
        body = data[:500].decode(errors="replace")
    return Reply("response", status, body)


def post(port: int, token: str, body: bytes, timeout: float = 90) -> Reply:
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        connection.request("POST", EVENTS_PATH, body=body, headers=_headers(port, token, len(body)))
        response = connection.getresponse()
        return _reply(response.status, response.read())
    except (OSError, http.client.HTTPException) as error:
        return Reply("transport", error=f"{type(error).__name__}: {error}")
    finally:
        connection.close()


def get(port: int, path: str, token: str | None = None, timeout: float = 30) -> Reply:
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        connection.request("GET", path, headers={"Authorization": f"Bearer {token}"} if token else {})
        response = connection.getresponse()
        return _reply(response.status, response.read())
    except (OSError, http.client.HTTPException) as error:
        return Reply("transport", error=f"{type(error).__name__}: {error}")
    finally:
        connection.close()


def hang_up_after_sending(port: int, token: str, body: bytes) -> Reply:
    """The whole request goes out, then the client closes without reading: the server handles it
    (and appends), but its reply is lost."""
    try:
        with socket.create_connection((HOST, port), timeout=10) as sock:
            sock.sendall(_raw_request(port, token, body))
    except OSError as error:
        return Reply("transport", error=f"{type(error).__name__}: {error}")
    return Reply("hung_up")


def hang_up_mid_body(port: int, token: str, body: bytes) -> Reply:
    """The headers and half the body go out, then the client closes: nothing may be appended."""
    raw = _raw_request(port, token, body)
    try:
        with socket.create_connection((HOST, port), timeout=10) as sock:
            sock.sendall(raw[: len(raw) - len(body) // 2])
    except OSError as error:
        return Reply("transport", error=f"{type(error).__name__}: {error}")
    return Reply("cut")


# --- the journal ------------------------------------------------------------------------------


def event_body(obj: dict[str, Any]) -> bytes:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True).encode("utf-8")


@dataclass
class Sent:
    """One event a client sent, by its `id`, and every reply it got (retries included).
    `reuse`: the `id` of an acknowledged event sent again with other content (must be a 409)."""

    key: str
    obj: dict[str, Any]
    official: str
    reuse: bool = False
    replies: list[Reply] = field(default_factory=list)

    @property
    def body(self) -> bytes:
        return event_body(self.obj)

    @property
    def acknowledged(self) -> bool:
        return any(r.ok for r in self.replies)

    @property
    def acks(self) -> list[Reply]:
        return [r for r in self.replies if r.ok]

    @property
    def final(self) -> Reply | None:
        answered = [r for r in self.replies if r.outcome == "response"]
        return answered[-1] if answered else None


class Journal:
    """Every event sent, thread-safe; the in-flight count shows how many requests were open at once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.sent: list[Sent] = []
        self.in_flight = 0
        self.max_in_flight = 0

    def add(self, sent: Sent) -> Sent:
        with self._lock:
            self.sent.append(sent)
        return sent

    @contextmanager
    def flight(self) -> Iterator[None]:
        with self._lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            yield
        finally:
            with self._lock:
                self.in_flight -= 1

    def replies(self) -> list[Reply]:
        return [r for s in self.sent for r in s.replies]

    def statuses(self) -> Counter[int]:
        return Counter(r.status for r in self.replies() if r.status is not None)

    def originals(self) -> list[Sent]:
        return [s for s in self.sent if not s.reuse]

    def describe(self, key: str) -> list[str]:
        """What each attempt with this id got: `hung_up`, `cut`, `transport`, `201 (duplicate)`, `400 code`…"""
        told = []
        for sent in self.sent:
            if sent.key != key:
                continue
            for reply in sent.replies:
                if reply.outcome != "response":
                    told.append(reply.outcome)
                elif reply.ok:
                    told.append(f"{reply.status}{' (duplicate)' if reply.event().get('duplicate') else ''}"
                                f"{' reuse' if sent.reuse else ''}")
                else:
                    errors = reply.body.get("errors", []) if isinstance(reply.body, dict) else []
                    codes = [e.get("code") for e in errors]
                    told.append(f"{reply.status} {','.join(map(str, codes))}".strip())
        return told

    def dump(self, path: Path) -> None:
        """Every event sent and every reply, as JSON (for a failure to be read afterwards)."""
        path.write_text(json.dumps([{"id": s.key, "reuse": s.reuse, "official": s.official, "event": s.obj,
                                     "replies": self.describe(s.key)} for s in self.sent],
                                   ensure_ascii=False, indent=1), encoding="utf-8")

    def counts(self) -> dict[str, Any]:
        """The figures of a run: events sent (distinct ids), acknowledged, conflicts, errors…"""
        replies = self.replies()
        statuses = self.statuses()
        originals = self.originals()
        return {
            "events_sent": len({s.key for s in originals}),
            "requests": len(replies),
            "acknowledged": len({s.key for s in originals if s.acknowledged}),
            "duplicate_acks": sum(1 for r in replies if r.ok and r.event().get("duplicate")),
            "refused_400": statuses.get(400, 0),
            "conflicts_409": statuses.get(409, 0),
            "conflicts_409_id_reused": sum(1 for s in self.sent if s.reuse for r in s.replies if r.status == 409),
            "conflicts_409_retried": sum(1 for s in originals for r in s.replies if r.status == 409),
            "id_reuse_sent": sum(1 for s in self.sent if s.reuse),
            "hung_up_by_client": sum(1 for r in replies if r.outcome == "hung_up"),
            "cut_mid_body_by_client": sum(1 for r in replies if r.outcome == "cut"),
            "transport_errors": sum(1 for r in replies if r.outcome == "transport"),
            "status_500": statuses.get(500, 0),
            "status_503": statuses.get(503, 0),
            "other_5xx": sum(n for s, n in statuses.items() if s >= 500 and s not in (500, 503)),
            "statuses": {str(k): v for k, v in sorted(statuses.items())},
            "max_in_flight": self.max_in_flight,
        }


def deliver(port: int, token: str, sent: Sent, journal: Journal, *, fault: str | None = None,
            patience: float = 20.0, rng: random.Random | None = None) -> Reply | None:
    """Send `sent` as a careful client does. `fault` first: `hang_up` (the whole request, reply
    never read) or `cut` (half the body). Then the same bytes (the same `id`) again until an
    answer that is not worth retrying: after a dropped connection, a 5xx, or a 409 that is a
    conflict with other writers (not an `id` reused on purpose); for at most `patience` seconds."""
    rng = rng or random.Random()
    body = sent.body
    if fault is not None:
        with journal.flight():
            drop = hang_up_after_sending if fault == "hang_up" else hang_up_mid_body
            sent.replies.append(drop(port, token, body))
        time.sleep(rng.uniform(0, 0.03))
    give_up = time.monotonic() + patience
    delay = 0.05
    while True:
        with journal.flight():
            reply = post(port, token, body)
        sent.replies.append(reply)
        again = (reply.outcome == "transport" or (reply.status or 0) >= 500
                 or (reply.status == 409 and not sent.reuse))
        if not again or time.monotonic() > give_up:
            return reply
        time.sleep(delay * (1 + rng.random()))
        delay = min(delay * 2, 1.0)


# --- the ledger, afterwards ---------------------------------------------------------------------


@dataclass
class Audit:
    """The journal against the ledger, by `id`. Each list names the ids that break a promise."""

    stored: dict[str, list[Any]]
    #: acknowledged (a 2xx) but not in the ledger
    lost: list[str] = field(default_factory=list)
    #: in the ledger more than once
    duplicated: list[str] = field(default_factory=list)
    #: in the ledger though no attempt was ever acknowledged
    unacknowledged_present: list[str] = field(default_factory=list)
    #: a 2xx naming another event id or position than the one stored
    misreported: list[str] = field(default_factory=list)
    #: an `id` reused for other content that was not refused with 409, or that changed the ledger
    reuse_not_refused: list[str] = field(default_factory=list)

    @property
    def found(self) -> int:
        return len(self.stored)


def stored_by_key(ledger: Ledger) -> dict[str, list[Any]]:
    found: dict[str, list[Any]] = defaultdict(list)
    for record in ledger.records():
        if record.key is not None:
            found[record.key].append(record)
    return dict(found)


def audit(journal: Journal, ledger: Ledger) -> Audit:
    stored = stored_by_key(ledger)
    keys = {s.key for s in journal.sent}
    result = Audit({k: v for k, v in stored.items() if k in keys})
    originals: dict[str, list[Sent]] = defaultdict(list)
    for sent in journal.originals():
        originals[sent.key].append(sent)
    for key, sends in originals.items():
        records = stored.get(key, [])
        acks = [r for s in sends for r in s.acks]
        if len(records) > 1:
            result.duplicated.append(key)
        if acks and not records:
            result.lost.append(key)
        if records and not acks:
            result.unacknowledged_present.append(key)
        if acks and len(records) == 1:
            record = records[0]
            if any(a.event()["event"] != record.event or a.event()["position"] != record.position for a in acks):
                result.misreported.append(key)
    for sent in journal.sent:
        if not sent.reuse:
            continue
        # A reuse differs from its original only in its `reasoning`: the ledger must keep the first.
        records = stored.get(sent.key, [])
        answered = [r for r in sent.replies if r.outcome == "response"]
        refused = bool(answered) and all(r.status == 409 for r in answered)
        kept_first = len(records) == 1 and records[0].fields.get("reasoning") != sent.obj.get("reasoning")
        if not (refused and kept_first):
            result.reuse_not_refused.append(sent.key)
    return result


def log_end(ledger: Ledger) -> int:
    """The position of the log's last event: where caught-up read models stand (on PostgreSQL
    positions have gaps, so this is not the event count)."""
    return max((record.position for record in ledger.records()), default=0)


def append_without_catching_up(ledger: Ledger, objs: Iterable[dict[str, Any]]) -> int:
    """Append events in one transaction and leave the read models behind (as a web process killed
    between its commit and its catch-up does): only a `ledger worker` will take them in."""
    batch = ledger.batch()
    count = 0
    for obj in objs:
        batch.add(parse_event(obj), source="import")
        count += 1
    batch.commit()
    return count


def wait_until(predicate: Any, timeout: float, interval: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(interval)


# --- stores and clients ---------------------------------------------------------------------------


def local_time(**delta: float) -> str:
    """A claimed time (`at`), Vietnam time to the second, shifted by `delta` from now."""
    return (datetime.now(LOCAL_TZ).replace(microsecond=0) + timedelta(**delta)).isoformat()


def init_store(store_url: str, env: dict[str, str], events: list[dict[str, Any]], folder: Path) -> int:
    """`ledger init` (the default Ho Chi Minh City registry), then `ledger import` of `events`;
    returns how many events the store holds."""
    made = run_ledger(store_url, "init", env=env)
    assert made.returncode == 0, made.stderr
    if events:
        path = folder / "seed.jsonl"
        path.write_text("".join(event_body(e).decode() + "\n" for e in events), encoding="utf-8")
        imported = run_ledger(store_url, "import", str(path), env=env)
        assert imported.returncode == 0, imported.stderr
    with Ledger(store_url, create=False) as ledger:
        return ledger.event_count()


def create_tokens(store_url: str, officials: Iterable[str]) -> dict[str, str]:
    """One API token per official (what `ledger token create --official ID` prints)."""
    with Ledger(store_url, create=False) as ledger:
        return {official: ledger.accounts.create_token(official)[1] for official in officials}


class Clients:
    """Client threads; an exception in one is kept and raised by `join`, never lost."""

    def __init__(self) -> None:
        self.threads: list[threading.Thread] = []
        self.failures: list[BaseException] = []

    def start(self, target: Any, *args: Any) -> None:
        def run() -> None:
            try:
                target(*args)
            except BaseException as error:  # noqa: BLE001 - reported by join
                self.failures.append(error)

        thread = threading.Thread(target=run, daemon=True)
        self.threads.append(thread)
        thread.start()

    def join(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        for thread in self.threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        hung = [t for t in self.threads if t.is_alive()]
        assert not hung, f"{len(hung)} client thread(s) still running after {timeout} s"
        if self.failures:
            raise self.failures[0]


def pick_fault(rng: random.Random, hang_up: float = 0.08, cut: float = 0.08) -> str | None:
    draw = rng.random()
    if draw < hang_up:
        return "hang_up"
    if draw < hang_up + cut:
        return "cut"
    return None
