"""faults.json: injected failures, latency and session expiry.

{"latencyMs": 0, "latencyModel": "before" | "within", "sessionExpiresAfter": null,
 "rules": [{"op": "readMetadata" | "*", "nth": 3, "times": 1, "kind": "...",
            "delayMs": 3000, "apply": "before" | "after" | "late", "org": "name"}]}

The file is re-read when its mtime changes; every change resets the counters
(rule match counts and per-token call counts).
"""

import json
import os
import threading

from . import util

LATENCY_MODELS = ("before", "within")
KINDS = ("http500", "http503", "http429", "reset", "timeout", "invalid_session",
         "limit_concurrent", "limit_total", "malformed", "truncated")


class Rule:
    def __init__(self, d):
        self.op = d.get("op", "*")
        self.nth = int(d.get("nth", 1))
        self.times = int(d.get("times", 1))
        self.kind = d.get("kind")
        if self.kind not in KINDS:
            raise ValueError("unknown fault kind %r" % self.kind)
        self.delay_ms = int(d.get("delayMs", 10000))
        self.apply = d.get("apply", "before")
        if self.apply not in ("before", "after", "late"):
            raise ValueError("apply must be before, after or late")
        self.org = d.get("org")
        self.count = 0

    def matches(self, op, org_name):
        if self.org is not None and self.org != org_name:
            return False
        return self.op == "*" or self.op == op


class FaultSet:
    def __init__(self, path):
        self.path = path
        self.sig = False
        self.lock = threading.Lock()
        self.latency_ms = 0
        self.latency_within = False
        self.session_expires_after = None
        self.rules = []
        self.session_calls = {}
        self.epoch = 0

    def _reload(self):
        if self.epoch == util.Epoch.n != 0:
            return
        self.epoch = util.Epoch.n
        if self.sig is None and not os.access(self.path, os.F_OK):
            return  # still missing (usually: checked without raising FileNotFoundError)
        try:
            st = os.stat(self.path)
            sig = (st.st_mtime_ns, st.st_size, st.st_ino)
        except FileNotFoundError:
            sig = None
        if sig == self.sig:
            return
        if sig is None:
            cfg = {}
        else:
            try:
                with open(self.path, "r", encoding="utf-8") as f:
                    cfg = json.load(f)
                rules = [Rule(r) for r in cfg.get("rules", [])]
                if cfg.get("latencyModel", "before") not in LATENCY_MODELS:
                    raise ValueError("latencyModel must be before or within")
            except (ValueError, OSError, TypeError, AttributeError):
                return  # half-written or invalid: keep the previous configuration
        self.sig = sig
        self.latency_ms = int(cfg.get("latencyMs") or 0)
        self.latency_within = cfg.get("latencyModel") == "within"
        sea = cfg.get("sessionExpiresAfter")
        self.session_expires_after = None if sea is None else int(sea)
        self.rules = [Rule(r) for r in cfg.get("rules", [])] if sig is not None else []
        self.session_calls = {}

    def latency(self):
        """(milliseconds, within): within when the request is processed at
        once and only its answer waits (latencyModel "within")."""
        with self.lock:
            self._reload()
            return self.latency_ms, self.latency_within

    def match(self, op, org_name):
        """Counts this request against every matching rule; returns the first rule that fires."""
        with self.lock:
            self._reload()
            fired = None
            for r in self.rules:
                if not r.matches(op, org_name):
                    continue
                r.count += 1
                if fired is None and r.nth <= r.count < r.nth + r.times:
                    fired = r
            return fired

    def session_ok(self, token):
        """Counts one authenticated call for token; False once it has expired."""
        with self.lock:
            self._reload()
            if self.session_expires_after is None:
                return True
            n = self.session_calls.get(token, 0)
            if n >= self.session_expires_after:
                return False
            self.session_calls[token] = n + 1
            return True
