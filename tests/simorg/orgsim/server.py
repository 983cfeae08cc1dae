"""The HTTP(S) server: routing, fault injection, the request log.

One ThreadingHTTPServer (HTTP/1.1, keep-alive, Content-Length on every
answer) serves one org (the state directory has org.json) or many (each
subdirectory with an org.json is an org, addressed as /org/<name>/...).
Orgs are loaded lazily on their first request; there are no per-org threads.
"""

import json
import os
import re
import socket
import ssl
import struct
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from . import faults as F
from . import oauth
from . import rest
from . import soap
from . import util
from .store import State

_SOAP_PATH = re.compile(r"^/services/Soap/m/(\d{1,3})\.(\d)(/[A-Za-z0-9]{15,18})?/?$")
MIN_SOAP_VERSION = 31
MAX_BODY = 16 * 1024 * 1024

JSON_CT = "application/json;charset=UTF-8"
XML_CT = "text/xml;charset=UTF-8"


class RequestLog:
    def __init__(self, path):
        self.path = path
        self.lock = threading.Lock()
        self.seq = self._last_seq()

    def _last_seq(self):
        try:
            with open(self.path, "rb") as f:
                f.seek(0, os.SEEK_END)
                end = f.tell()
                f.seek(max(0, end - 65536))
                lines = f.read().splitlines()
            for line in reversed(lines):
                try:
                    return int(json.loads(line)["seq"])
                except (ValueError, KeyError, TypeError):
                    continue
        except FileNotFoundError:
            pass
        return 0

    def write(self, entry):
        with self.lock:
            self.seq += 1
            entry = dict(seq=self.seq, time=util.now_iso(), **entry)
            with open(self.path, "a", encoding="utf-8") as f:
                f.write(json.dumps(entry, sort_keys=False) + "\n")


class SimServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, state_dir, host="127.0.0.1", port=0, tls_cert=None, tls_key=None, verbose=False):
        self.state = State(state_dir)
        self.verbose = verbose
        self.log = RequestLog(os.path.join(self.state.root, "requests.jsonl"))
        self.root_faults = F.FaultSet(os.path.join(self.state.root, "faults.json")) if self.state.multi else None
        self.faults_lock = threading.Lock()
        self.held = {}  # (org name, op) -> requests a "late" fault held back
        self.tls = None
        super().__init__((host, port), Handler)
        if tls_cert:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(tls_cert, tls_key)
            self.socket = ctx.wrap_socket(self.socket, server_side=True, do_handshake_on_connect=False)
            self.tls = ctx
        self.scheme = "https" if self.tls else "http"

    @property
    def port(self):
        return self.server_address[1]

    def hold(self, org_name, op, fn):
        with self.faults_lock:
            self.held.setdefault((org_name, op), []).append(fn)

    def take_held(self, org_name, op):
        with self.faults_lock:
            return self.held.pop((org_name, op), [])

    def org_faults(self, org):
        with self.faults_lock:
            if org.faults is None:
                org.faults = F.FaultSet(os.path.join(org.root, "faults.json"))
            return org.faults

    def handle_error(self, request, client_address):
        import sys
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, ssl.SSLError, TimeoutError, socket.timeout, BrokenPipeError)):
            return
        super().handle_error(request, client_address)


class Response:
    def __init__(self, status, body=b"", content_type=None, headers=None):
        self.status = status
        self.body = body if isinstance(body, bytes) else body.encode("utf-8")
        self.content_type = content_type
        self.headers = headers or {}


def json_response(status, obj, headers=None):
    if obj is None:
        return Response(status, b"", None, headers)
    return Response(status, json.dumps(obj).encode("utf-8"), JSON_CT, headers)


def xml_response(status, text):
    return Response(status, text, XML_CT)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 60
    server_version = "simorg"
    sys_version = ""

    def setup(self):
        try:
            self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass
        if isinstance(self.request, ssl.SSLSocket):
            self.request.settimeout(10)
            self.request.do_handshake()
        super().setup()

    def finish(self):
        try:
            super().finish()
        except OSError:
            pass

    def log_message(self, fmt, *args):
        if self.server.verbose:
            super().log_message(fmt, *args)

    def do_GET(self):
        self.dispatch()

    do_POST = do_PATCH = do_PUT = do_DELETE = do_HEAD = do_GET

    # ------------------------------------------------------------ body
    def read_body(self):
        te = (self.headers.get("Transfer-Encoding") or "").lower()
        if "chunked" in te:
            out = bytearray()
            while True:
                line = self.rfile.readline(65537)
                size = int(line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    break
                out += self.rfile.read(size)
                self.rfile.readline(65537)
                if len(out) > MAX_BODY:
                    raise ValueError("body too large")
            return bytes(out)
        n = int(self.headers.get("Content-Length") or 0)
        if n > MAX_BODY:
            raise ValueError("body too large")
        return self.rfile.read(n) if n > 0 else b""

    # ------------------------------------------------------------ dispatch
    def dispatch(self):
        srv = self.server
        try:
            body = self.read_body()
        except (ValueError, OSError):
            self.close_connection = True
            self.send(Response(413, b"request too large", "text/plain"))
            return
        split = urllib.parse.urlsplit(self.path)
        path = urllib.parse.unquote(split.path)
        org_name = None
        prefix = ""
        if srv.state.multi:
            m = re.match(r"^/org/([^/]+)(/.*)?$", path)
            org = srv.state.org(m.group(1)) if m else None
            if org is not None:
                org_name = m.group(1)
                prefix = "/org/" + org_name
                path = m.group(2) or "/"
        else:
            org = srv.state.org()
        entry = {"method": self.command, "path": path, "op": "other", "type": None, "count": None,
                 "status": None, "fault": None, "org": org_name}
        if org is None:
            resp = json_response(404, rest.NOT_FOUND)
            entry["status"] = resp.status
            srv.log.write(entry)
            self.send(resp)
            return

        host = self.headers.get("Host") or "127.0.0.1:%d" % srv.port
        base = "%s://%s%s" % (srv.scheme, host, prefix)
        bases = {base, "%s://127.0.0.1:%d%s" % (srv.scheme, srv.port, prefix),
                 "%s://localhost:%d%s" % (srv.scheme, srv.port, prefix)}

        # classify: op, type, count, and the function that answers
        kind, info = self.classify(path, split.query, body)
        entry["op"] = info.get("op", "other")
        entry["type"] = info.get("type")
        entry["count"] = info.get("count")
        protocol = "soap" if kind == "soap" else "oauth" if kind == "token" else "rest"

        # a request an earlier "late" fault held back reaches the org first
        for held in srv.take_held(org_name, entry["op"]):
            held()

        # faults
        sets = [s for s in (srv.root_faults, srv.org_faults(org)) if s is not None]
        latency = sum(s.latency() for s in sets)
        if latency > 0:
            time.sleep(latency / 1000.0)
        rule = None
        for s in sets:
            r = s.match(entry["op"], org_name)
            if r is not None and rule is None:
                rule = r
        if rule is not None:
            entry["fault"] = rule.kind
        if rule is not None and rule.apply == "late" and rule.kind != "truncated":
            # lost in flight: saved only just before the next request with
            # the same op (the client's retry), whatever faults.json says then
            srv.hold(org_name, entry["op"],
                     lambda: self.answer(kind, info, org, path, split.query, body, base, bases))
            self.inject_logged(rule, protocol, None, entry)
            return
        if rule is not None and rule.apply == "before" and rule.kind != "truncated":
            self.inject_logged(rule, protocol, None, entry)
            return

        try:
            resp = self.answer(kind, info, org, path, split.query, body, base, bases)
        except Exception as e:  # a bug in the simulator: answer like Salesforce would, keep serving
            import traceback
            traceback.print_exc()
            resp = json_response(500, [{"errorCode": "UNKNOWN_EXCEPTION", "message": "simorg: %s" % e}])
        if rule is not None:
            self.inject_logged(rule, protocol, resp, entry)
            return
        entry["status"] = resp.status
        srv.log.write(entry)  # before the answer: see inject_logged
        self.send(resp)

    def inject_logged(self, rule, protocol, resp, entry):
        """Carries out an injected fault.  The request is logged before
        anything is sent, so a client that has its answer (or has given
        up) always finds its request in the log."""
        def log(status):
            entry["status"] = status
            self.server.log.write(entry)
        self.inject(rule, protocol, resp, log)

    def classify(self, path, query, body):
        if path == "/services/oauth2/token":
            return "token", {"op": "token"}
        m = _SOAP_PATH.match(path)
        if m:
            req = soap.parse(body) if self.command == "POST" else None
            info = {"op": (req.op if req and req.op else "other"), "soap": req,
                    "version": int(m.group(1))}
            if req is not None:
                info["type"] = req.md_type
                info["count"] = req.count
            return "soap", info
        r = rest.route(self.command, path)
        if r is not None:
            info = {"op": r[0], "type": r[1], "route": r}
            if r[0] in ("query", "toolingQuery", "queryMore"):
                info["count"] = 1
            if r[0] in ("query", "toolingQuery"):
                q = (urllib.parse.parse_qs(query or "").get("q") or [""])[0]
                m = re.search(r"\bFROM\s+([A-Za-z_][A-Za-z0-9_]*)", q, re.I)
                info["type"] = m.group(1) if m else None
            return "rest", info
        return "unknown", {"op": "other"}

    def answer(self, kind, info, org, path, query, body, base, bases):
        if kind == "token":
            if self.command != "POST":
                return json_response(405, [{"errorCode": "METHOD_NOT_ALLOWED",
                                            "message": "HTTP Method '%s' not allowed. Allowed are POST"
                                                       % self.command}])
            with org.lock:
                st, obj = oauth.token(org, base, bases, body, self.headers.get("Content-Type"))
            return json_response(st, obj, {"Cache-Control": "no-cache,must-revalidate,max-age=0,no-store,private"})
        if kind == "soap":
            if self.command != "POST":
                return Response(405, b"SOAP requests must be POSTed", "text/plain")
            if info["version"] < MIN_SOAP_VERSION:
                return xml_response(500, soap.fault_xml("UNSUPPORTED_API_VERSION",
                                                        "UNSUPPORTED_API_VERSION: Invalid Api version specified on "
                                                        "URL"))
            st, text = soap.process(org, info["soap"])
            return xml_response(st, text)
        if kind == "rest":
            st, obj, extra = rest.process(org, info["route"], self.command, query, self.headers, body, base)
            r = json_response(st, obj, extra)
            if self.command == "HEAD":
                r.body = b""
            return r
        return json_response(404, rest.NOT_FOUND)

    # ------------------------------------------------------------ faults
    def inject(self, rule, protocol, resp, log):
        """Carries out an injected fault; calls log(status sent, or None)
        before anything goes out."""
        k = rule.kind
        if k == "reset":
            log(None)
            self.hard_close(reset=True)
            return
        if k == "timeout":
            log(None)
            time.sleep(rule.delay_ms / 1000.0)
            self.hard_close(reset=False)
            return
        if k == "truncated":
            if resp is None:
                resp = Response(200, b"", JSON_CT)
            log(resp.status)
            self.send(resp, truncate=True)
            return
        if k == "malformed":
            if protocol == "soap":
                r = Response(200, b'<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="'
                             b'http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><result><fullName>&&<',
                             XML_CT)
            else:
                r = Response(200, b'{"totalSize": 1, "done": tru, "records": [{"attri', JSON_CT)
        elif k == "http500":
            if protocol == "soap":
                r = xml_response(500, soap.fault_xml(
                    "UNKNOWN_EXCEPTION", "UNKNOWN_EXCEPTION: An unexpected error occurred. Please include this "
                    "ErrorId if you contact support: 1234567890-12345 (-1234567890)"))
            elif protocol == "oauth":
                r = json_response(500, {"error": "unknown_error", "error_description": "retry your request"})
            else:
                r = json_response(500, [{"errorCode": "UNKNOWN_EXCEPTION", "message": "An unexpected error "
                                         "occurred. Please include this ErrorId if you contact support: "
                                         "1234567890-12345 (-1234567890)"}])
        elif k == "http503":
            r = Response(503, b"<html><head><title>Service Unavailable</title></head><body><h1>Service "
                         b"Unavailable</h1><p>The server is temporarily unable to service your request. Please try "
                         b"again later.</p></body></html>", "text/html;charset=UTF-8")
        elif k == "http429":
            r = Response(429, b"Too Many Requests", "text/plain;charset=UTF-8", {"Retry-After": "1"})
        elif k == "invalid_session":
            if protocol == "soap":
                r = xml_response(500, soap.fault_xml("INVALID_SESSION_ID", soap.INVALID_SESSION_STRING))
            elif protocol == "oauth":
                r = json_response(400, {"error": "invalid_grant", "error_description": "expired access/refresh token"})
            else:
                r = json_response(401, [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}])
        else:  # limit_concurrent, limit_total
            what = ("ConcurrentRequests (Concurrent API Requests) Limit exceeded." if k == "limit_concurrent"
                    else "TotalRequests Limit exceeded.")
            if protocol == "soap":
                r = xml_response(500, soap.fault_xml("REQUEST_LIMIT_EXCEEDED", "REQUEST_LIMIT_EXCEEDED: " + what))
            else:
                r = json_response(403, [{"message": what, "errorCode": "REQUEST_LIMIT_EXCEEDED"}])
        log(r.status)
        self.send(r)

    def hard_close(self, reset):
        self.close_connection = True
        s = self.connection
        try:
            if reset:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            else:
                s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        try:
            s.close()
        except OSError:
            pass

    # ------------------------------------------------------------ output
    def send(self, resp, truncate=False):
        try:
            self.send_response(resp.status)
            if resp.content_type:
                self.send_header("Content-Type", resp.content_type)
            for k, v in resp.headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(resp.body)))
            if truncate:
                self.send_header("Connection", "close")
            # headers and body in one write (no Nagle / delayed-ACK stalls)
            self._headers_buffer.append(b"\r\n")
            out = b"".join(self._headers_buffer)
            self._headers_buffer = []
            if self.command != "HEAD" or truncate:
                out += resp.body[:len(resp.body) // 2] if truncate else resp.body
            self.wfile.write(out)
            self.wfile.flush()
        except OSError:
            self.close_connection = True
            return
        if truncate:
            self.hard_close(reset=False)


def serve(state_dir, host="127.0.0.1", port=0, port_file=None, tls_cert=None, tls_key=None, verbose=False):
    import signal
    import sys
    if host not in ("127.0.0.1", "localhost"):
        raise SystemExit("simorg binds loopback only (got --host %s)" % host)
    srv = SimServer(state_dir, host, port, tls_cert, tls_key, verbose)
    stop = threading.Event()

    def on_signal(signum, frame):
        stop.set()
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    t = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    t.start()
    if port_file:
        util.atomic_write_text(port_file, "%d\n" % srv.port)
    print("listening on %s://127.0.0.1:%d" % (srv.scheme, srv.port), flush=True)
    while not stop.wait(0.5):
        pass
    srv.shutdown()
    srv.server_close()
    t.join(5)
    sys.stdout.flush()
    return 0
