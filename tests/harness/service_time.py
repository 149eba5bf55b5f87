"""The endpoint's own service time, for the benchmark: how long moto took over each request, apart
from the latency, faults and holds the harness injects in front of it.

The launcher's app is wrapped (`ServiceTimes.wrap`). For every request that is not the harness's own
(`/dtr-harness/...`) it records the time from the request's arrival in the app to its answer, less the
time the launcher spent waiting on purpose (`with SERVICE_TIMES.waiting(): time.sleep(...)`: injected
latency, a held request, a rate-limit rule that makes a request wait), and the time the endpoint was
busy: the union of the intervals during which at least one request was being served (waits excluded),
so ten requests served side by side in one second count one busy second, not ten. It also keeps the
process's CPU time (what Python's GIL and TLS really cost: one core is 1 CPU second a second).

    GET  /dtr-harness/stats        {"requests", "service_s", "busy_s", "cpu_s", "wall_s",
                                    "by_service": {"<SigV4 name>": {"requests", "service_s"}}}
    POST /dtr-harness/stats/reset  zero everything (the clock of wall_s starts again); answers {}

The per-request time is wall time, so requests served side by side on moto's threads each count the
time they spent waiting for the GIL too: `service_s` / `requests` is what a call cost at the endpoint
under that load, and `busy_s` / `wall_s` how much of the time the endpoint was serving anything.
"""
import contextlib
import json
import threading
import time

STATS_PATH = "/dtr-harness/stats"
RESET_PATH = "/dtr-harness/stats/reset"


def signing_name(environ) -> str:
    """The SigV4 service of a request: .../<date>/<region>/<service>/aws4_request ("" if unsigned)."""
    scope = environ.get("HTTP_AUTHORIZATION", "").split("Credential=")[-1].split(",")[0].split("/")
    return scope[3] if len(scope) > 3 else ""


class ServiceTimes:
    """Request counts, service time and busy time since the last reset; thread-safe."""

    def __init__(self, clock=time.monotonic, cpu_clock=time.process_time):
        self.clock, self.cpu_clock = clock, cpu_clock
        self.lock = threading.Lock()
        self.local = threading.local()
        self.serving = 0
        self.reset()

    def reset(self) -> None:
        """Start a new period. Requests in flight stay in flight and count from the reset on."""
        with self.lock:
            self.requests = 0
            self.service = 0.0
            self.by_service: dict = {}
            self.busy = 0.0
            self.started, self.cpu_started = self.clock(), self.cpu_clock()
            self.busy_since = self.started if self.serving > 0 else None

    def _enter(self, now: float) -> None:
        with self.lock:
            if self.serving == 0:
                self.busy_since = now
            self.serving += 1

    def _leave(self, now: float) -> None:
        with self.lock:
            self.serving -= 1
            if self.serving == 0 and self.busy_since is not None:
                self.busy += now - max(self.busy_since, self.started)
                self.busy_since = None

    def begin(self, service: str = "") -> None:
        """A request arrived (on this thread)."""
        now = self.clock()
        self.local.request = {"service": service, "start": now, "waited": 0.0}
        self._enter(now)

    def end(self) -> None:
        """The request on this thread is answered."""
        request = getattr(self.local, "request", None)
        if request is None:
            return
        self.local.request = None
        now = self.clock()
        self._leave(now)
        with self.lock:
            elapsed = max(0.0, now - max(request["start"], self.started) - request["waited"])
            self.requests += 1
            self.service += elapsed
            entry = self.by_service.setdefault(request["service"], {"requests": 0, "service_s": 0.0})
            entry["requests"] += 1
            entry["service_s"] += elapsed

    @contextlib.contextmanager
    def waiting(self):
        """A wait the harness imposes on the request on this thread: not service, not busy."""
        request = getattr(self.local, "request", None)
        if request is None:
            yield
            return
        start = self.clock()
        self._leave(start)
        try:
            yield
        finally:
            now = self.clock()
            self._enter(now)
            request["waited"] += now - max(start, self.started)

    def snapshot(self) -> dict:
        with self.lock:
            now = self.clock()
            busy = self.busy
            if self.serving > 0 and self.busy_since is not None:
                busy += now - max(self.busy_since, self.started)
            return {
                "requests": self.requests,
                "service_s": self.service,
                "busy_s": busy,
                "cpu_s": self.cpu_clock() - self.cpu_started,
                "wall_s": now - self.started,
                "by_service": {k: dict(v) for k, v in sorted(self.by_service.items())},
            }

    def wrap(self, app):
        """`app` timed, with the stats served beside it."""

        def timed(environ, start_response):
            path, method = environ.get("PATH_INFO"), environ.get("REQUEST_METHOD")
            if path == STATS_PATH and method == "GET":
                return answer(start_response, self.snapshot())
            if path == RESET_PATH and method == "POST":
                self.reset()
                return answer(start_response, {})
            if path and path.startswith("/dtr-harness/"):
                return app(environ, start_response)
            self.begin(signing_name(environ))
            try:
                return app(environ, start_response)
            finally:
                self.end()

        return timed


def answer(start_response, document) -> list:
    body = json.dumps(document).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]
