"""The login rate limit is shared by every worker when it is counted in Redis, and production
refuses to start without a secret key.

gunicorn runs each worker in a process of its own, with its own copy of the application. The
tests therefore run each application instance in a process of its own too (two in-process apps
would share the one module-level `Limiter` of web/auth.py, and so its storage, whatever it is:
that would prove nothing). Each process builds the application from the environment exactly as
gunicorn's `web:create_app()` does (`LEDGER_RATELIMIT_STORAGE`, `LEDGER_DATABASE_URL`, ...).

- With `LEDGER_RATELIMIT_STORAGE=redis://127.0.0.1:6379/N`, failed logins are counted across both
  instances: after 10 failures spread over the two, the 11th, through either, is a 429.
- The control: with `memory://` (the default) each process counts alone, and the same 11th attempt
  passes through the second instance. So the test above fails if the count stops being shared.
- gunicorn itself, 2 workers on Redis: of 20 wrong passwords, exactly 10 are refused as wrong and 10
  are throttled, whichever worker took which.
- Redis unreachable: logins still work (no 500), limited by each instance alone meanwhile.
- gunicorn without `LEDGER_SECRET_KEY` does not serve: it exits, naming the variable.

Each test counts under a key prefix of its own in Redis database 11 and deletes its keys afterwards.
Under CI=true Redis must be reachable (the test fails loudly: `.ci/run` starts it); elsewhere the
Redis tests are skipped, saying why, only when Redis is absent.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import select
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.web.conftest import PASSWORD, USERS, registry_ledger
from web.auth import LOGIN_FAILURES_PER_LOGIN

REPO = Path(__file__).resolve().parents[2]
REDIS_ENV = "LEDGER_TEST_REDIS_URL"
#: The Redis database the tests count in (keys under a prefix of each test's own, deleted after it).
REDIS_DB = 11
LIMIT = int(LOGIN_FAILURES_PER_LOGIN.split()[0])  # failed logins per login name per minute
ANSWER_TIMEOUT = 60  # seconds a worker may take to start or to answer one login

#: One application instance, as one gunicorn worker holds it: built from the environment, driven
#: through Flask's test client; reads `[login, password]` lines, answers each with the status code.
WORKER = """
import json, sys
from web import create_app

app = create_app({"WTF_CSRF_ENABLED": False, "SESSION_COOKIE_SECURE": False,
                  "RATELIMIT_KEY_PREFIX": sys.argv[1]})
print("ready " + app.config["RATELIMIT_STORAGE_URI"], flush=True)
for line in sys.stdin:
    login, password = json.loads(line)
    with app.test_client() as client:
        print(client.post("/login", data={"login": login, "password": password}).status_code, flush=True)
"""


def _redis_base() -> str:
    """The Redis server's URL (no database), or a skip (a failure under CI=true) if it is absent."""
    import redis

    base = os.environ.get(REDIS_ENV, "redis://127.0.0.1:6379").rstrip("/")
    try:
        with redis.Redis.from_url(f"{base}/{REDIS_DB}", socket_connect_timeout=2, socket_timeout=2) as client:
            client.ping()
    except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError) as error:
        message = (f"Redis at {base} is unreachable ({error}): start it with `redis-server --daemonize yes`"
                   f" (.ci/run does), or point {REDIS_ENV} at one")
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return base


@pytest.fixture
def redis_storage() -> Iterator[tuple[str, str]]:
    """(the storage URI, a key prefix of this test's own); the test's keys are deleted afterwards."""
    import redis

    uri = f"{_redis_base()}/{REDIS_DB}"
    prefix = f"ledger-test-{uuid.uuid4().hex[:12]}"
    try:
        yield uri, prefix
    finally:
        keys = _keys(uri, prefix)
        if keys:
            with redis.Redis.from_url(uri) as client:
                client.delete(*keys)
        assert not _keys(uri, prefix)


@pytest.fixture
def served_ledger(tmp_path: Path) -> str:
    """An SQLite ledger with the fixtures' logins, closed, for other processes to open."""
    path = tmp_path / "shared.db"
    registry_ledger(path).close()
    return str(path)


def _keys(uri: str, prefix: str) -> list[bytes]:
    import redis

    with redis.Redis.from_url(uri) as client:
        return list(client.scan_iter(match=f"*{prefix}*"))


class Worker:
    """One application instance in a process of its own (as a gunicorn worker)."""

    def __init__(self, database: str, storage: str, prefix: str, log: Path) -> None:
        env = {**os.environ, "LEDGER_DATABASE_URL": database, "LEDGER_SECRET_KEY": "shared-limit-secret",
               "LEDGER_RATELIMIT_STORAGE": storage, "PYTHONPATH": str(REPO)}
        # Its stderr goes to a file: a pipe nobody reads would fill up with tracebacks and stall it.
        self.log = log
        with log.open("wb") as errors:
            self.process = subprocess.Popen([sys.executable, "-c", WORKER, prefix], cwd=REPO, env=env, text=True,
                                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errors)
        ready = self._line()
        assert ready == f"ready {storage}", ready

    def _line(self) -> str:
        assert self.process.stdout is not None
        answered, _, _ = select.select([self.process.stdout], [], [], ANSWER_TIMEOUT)  # one line per request
        line = self.process.stdout.readline().strip() if answered else ""
        if not line:
            self.process.kill()
            self.process.wait(timeout=10)
            raise AssertionError(f"the worker stopped: {self.log.read_text(errors='replace')[-3000:]}")
        return line

    def log_in(self, login: str, password: str) -> int:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps([login, password]) + "\n")
        self.process.stdin.flush()
        return int(self._line())

    def close(self) -> None:
        if self.process.stdin:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stdout:
            self.process.stdout.close()


def two_workers(database: str, storage: str, prefix: str, folder: Path) -> tuple[Worker, Worker]:
    return (Worker(database, storage, prefix, folder / "worker-1.log"),
            Worker(database, storage, prefix, folder / "worker-2.log"))


def fail_alternately(first: Worker, second: Worker, login: str, times: int) -> list[int]:
    """`times` wrong passwords for `login`, through the two workers in turn."""
    return [(first if i % 2 == 0 else second).log_in(login, "not the password") for i in range(times)]


def test_failed_logins_are_counted_across_two_instances_sharing_redis(
        served_ledger: str, redis_storage: tuple[str, str], tmp_path: Path) -> None:
    uri, prefix = redis_storage
    first, second = two_workers(served_ledger, uri, prefix, tmp_path)
    login = USERS["clerk"][0]
    try:
        started = time.monotonic()
        refused = fail_alternately(first, second, login, LIMIT)
        over_second = second.log_in(login, "not the password")
        over_first = first.log_in(login, "not the password")
        right_password = second.log_in(login, PASSWORD)
        other_login = first.log_in(USERS["head"][0], PASSWORD)
        assert time.monotonic() - started < 50  # all within the limit's one-minute window
        assert _keys(uri, prefix), "nothing was counted in Redis under this test's prefix"
    finally:
        first.close()
        second.close()

    assert refused == [400] * LIMIT  # 5 through each: neither alone reached the limit
    assert (over_second, over_first) == (429, 429)  # the (LIMIT+1)th, through either, is throttled
    assert right_password == 429  # even the right password waits: the name is throttled, not the guess
    assert other_login == 302  # another login name is not throttled by this one's failures


def test_the_control_with_memory_storage_each_instance_counts_alone(served_ledger: str, tmp_path: Path) -> None:
    """What Redis fixes: with `memory://` the second process has seen only half the failures, so
    the (LIMIT+1)th attempt through it is answered (a 400), not throttled."""
    first, second = two_workers(served_ledger, "memory://", "control", tmp_path)
    login = USERS["clerk"][0]
    try:
        refused = fail_alternately(first, second, login, LIMIT)
        over_second = second.log_in(login, "not the password")
    finally:
        first.close()
        second.close()
    assert refused == [400] * LIMIT
    assert over_second == 400


def test_when_redis_is_unreachable_logins_still_work_and_each_worker_still_limits(
        served_ledger: str, tmp_path: Path) -> None:
    """Redis down (nothing listens where it is said to be): instead of a 500 for every login, each
    instance counts in its own memory (web/config.py) until Redis is back."""
    worker = Worker(served_ledger, f"redis://127.0.0.1:{_free_port()}/{REDIS_DB}", "unreachable",
                    tmp_path / "worker.log")
    try:
        right = worker.log_in(USERS["head"][0], PASSWORD)
        wrong = [worker.log_in(USERS["clerk"][0], "not the password") for _ in range(LIMIT + 1)]
    finally:
        worker.close()
    assert right == 302
    assert wrong == [400] * LIMIT + [429]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _gunicorn(env: dict[str, str], port: int, log: Path, workers: int = 2,
              app: str = "web:create_app()") -> subprocess.Popen[bytes]:
    gunicorn = Path(sys.executable).parent / "gunicorn"
    with log.open("wb") as output:
        return subprocess.Popen(
            [str(gunicorn), "--workers", str(workers), "--bind", f"127.0.0.1:{port}", "--no-control-socket",
             app], cwd=REPO, env={**env, "PYTHONPATH": str(REPO)}, stdout=output,
            stderr=subprocess.STDOUT)


def _wait_until_serving(process: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                process.wait()
                raise AssertionError(log.read_text(errors="replace")[-3000:]) from None
            time.sleep(0.3)


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def test_gunicorn_with_two_workers_on_redis_throttles_the_eleventh_failure_whichever_worker_answers(
        served_ledger: str, redis_storage: tuple[str, str], tmp_path: Path) -> None:
    uri, prefix = redis_storage
    port = _free_port()
    log = tmp_path / "gunicorn.log"
    env = {**os.environ, "LEDGER_DATABASE_URL": served_ledger, "LEDGER_SECRET_KEY": "gunicorn-limit-secret",
           "LEDGER_RATELIMIT_STORAGE": uri, "LEDGER_COOKIE_SECURE": "0"}
    # The production command, but for the key prefix that keeps this test's counts apart (gunicorn
    # passes literal arguments to the factory; everything else comes from the environment).
    process = _gunicorn(env, port, log, app=f'web:create_app({{"RATELIMIT_KEY_PREFIX": "{prefix}"}})')
    statuses: list[int] = []
    try:
        _wait_until_serving(process, port, log)
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        base = f"http://127.0.0.1:{port}"
        for _ in range(2 * LIMIT):
            with opener.open(f"{base}/login", timeout=10) as page:  # a fresh CSRF token, from any worker
                token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.read().decode())
            assert token, "no CSRF token on the login page"
            body = urllib.parse.urlencode({"csrf_token": token.group(1), "login": USERS["clerk"][0],
                                           "password": "not the password"}).encode()
            try:
                with opener.open(urllib.request.Request(f"{base}/login", data=body), timeout=10) as reply:
                    statuses.append(reply.status)
            except urllib.error.HTTPError as error:
                statuses.append(error.code)
                error.close()
    finally:
        _stop(process)
    assert statuses.count(400) == LIMIT and statuses.count(429) == LIMIT, statuses
    assert statuses == [400] * LIMIT + [429] * LIMIT


def test_gunicorn_refuses_to_start_without_a_secret_key(served_ledger: str, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "LEDGER_SECRET_KEY"}
    env["LEDGER_DATABASE_URL"] = served_ledger
    port = _free_port()
    log = tmp_path / "gunicorn.log"
    process = _gunicorn(env, port, log, workers=1)
    try:
        code = process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        _stop(process)
        raise AssertionError("gunicorn kept running without a secret key:\n"
                             + log.read_text(errors="replace")[-3000:]) from None
    output = log.read_text(errors="replace")
    assert code != 0
    assert "MissingSecretKey" in output and "LEDGER_SECRET_KEY" in output, output[-3000:]
    with pytest.raises(OSError), urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
        pass
