"""The HTTP(S) server: routing, fault injection, the request log.

One single-threaded event loop (selectors, epoll on Linux) serves one org
(the state directory has org.json) or many (each subdirectory with an
org.json is an org, addressed as /org/<name>/...).  HTTP/1.1 with
keep-alive (requests of a connection are answered in order), Content-Length
or chunked request bodies, Content-Length on every answer, optional TLS.
Requests are processed one at a time; injected latency and the "timeout"
fault are timers, not sleeping threads, so many slow requests cost nothing
while they wait.  Orgs are loaded lazily on their first request; there are
no per-org threads.
"""

import email.utils
import errno
import gc
import heapq
import html
import itertools
import json
import os
import re
import selectors
import signal
import socket
import ssl
import struct
import sys
import threading
import time
import traceback
import urllib.parse
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from json.encoder import encode_basestring_ascii as _json_str

from . import faults as F
from . import oauth
from . import rest
from . import soap
from . import util
from .store import State

_SOAP_PATH = re.compile(r"^/services/Soap/m/(\d{1,3})\.(\d)(/[A-Za-z0-9]{15,18})?/?$")
_ORG_PATH = re.compile(r"^/org/([^/]+)(/.*)?$")
_FROM = re.compile(r"\bFROM\s+([A-Za-z_][A-Za-z0-9_]*)", re.I)
MIN_SOAP_VERSION = 31
MAX_BODY = 16 * 1024 * 1024
MAX_LINE = 65536
MAX_HEADERS = 100
RECV_SIZE = 262144
IDLE_TIMEOUT = 60.0        # seconds a kept-alive connection may wait for its next request
HANDSHAKE_TIMEOUT = 10.0   # seconds for the TLS handshake
METHODS = ("GET", "POST", "PATCH", "PUT", "DELETE", "HEAD")

JSON_CT = "application/json;charset=UTF-8"
XML_CT = "text/xml;charset=UTF-8"

SERVER_HEADER = "simorg "  # as http.server sent it: server_version + " " + sys_version ("")
_REASONS = {s.value: s.phrase for s in HTTPStatus}


class RequestLog:
    """requests.jsonl: one line per request, in the file before the answer is sent.

    The file stays open (O_APPEND: several simulator processes may share a
    state directory); each entry is one write(2).
    """

    def __init__(self, path):
        self.path = path
        self.lock = threading.Lock()
        self.seq = self._last_seq()
        self.fd = None

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
            data = _log_line(self.seq, util.now_iso(), entry)
            if self.fd is None:
                self.fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o666)
            os.write(self.fd, data)

    def close(self):
        with self.lock:
            if self.fd is not None:
                os.close(self.fd)
                self.fd = None


_LOG_KEYS = ("method", "path", "op", "type", "count", "status", "fault", "org")
_LOG_TAILS = {}   # entry values -> the line's text after "time" (requests repeat per org and op)
_LOG_TAILS_MAX = 8192


def _log_line(seq, now, entry):
    """json.dumps(dict(seq=seq, time=now, **entry)) + "\n" as bytes; the entries' values
    are strings, integers or None, written here without the generic encoder."""
    if tuple(entry) != _LOG_KEYS:
        return (json.dumps(dict(seq=seq, time=now, **entry)) + "\n").encode("utf-8")
    key = (*entry.values(), type(entry["count"]), type(entry["status"]))  # (1 == True == 1.0)
    tail = _LOG_TAILS.get(key)
    if tail is None:
        parts = []
        for k, v in entry.items():
            if v is None:
                parts.append(', "%s": null' % k)
            elif type(v) is str:
                parts.append(', "%s": %s' % (k, _json_str(v)))
            elif type(v) is int:
                parts.append(', "%s": %d' % (k, v))
            else:  # (not written so far)
                return (json.dumps(dict(seq=seq, time=now, **entry)) + "\n").encode("utf-8")
        parts.append("}\n")
        tail = "".join(parts).encode("utf-8")
        if len(_LOG_TAILS) >= _LOG_TAILS_MAX:
            _LOG_TAILS.clear()
        _LOG_TAILS[key] = tail
    return ('{"seq": %d, "time": %s' % (seq, _json_str(now))).encode("utf-8") + tail


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


class Headers:
    """Request headers: case-insensitive get(); the first of repeated headers wins."""

    __slots__ = ("_d",)

    def __init__(self):
        self._d = {}

    def add(self, name, value):
        k = name.lower()
        if k not in self._d:
            self._d[k] = value

    def get(self, name, default=None):
        return self._d.get(name.lower(), default)

    def fold(self, name, more):
        k = name.lower()
        self._d[k] = self._d[k] + " " + more


class BadRequest(Exception):
    """A request the server answers with an error page and then closes the connection."""

    def __init__(self, code, message=None, explain=None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.explain = explain


class _Date:
    """The Date header, formatted once a second."""

    def __init__(self):
        self.sec = None
        self.text = None

    def get(self):
        now = time.time()
        sec = int(now)
        if sec != self.sec:
            self.sec = sec
            self.text = email.utils.formatdate(sec, usegmt=True)
        return self.text


_DATE = _Date()


# ---------------------------------------------------------------- the event loop

class SimServer:
    def __init__(self, state_dir, host="127.0.0.1", port=0, tls_cert=None, tls_key=None, verbose=False):
        self.tls = None
        if tls_cert:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(tls_cert, tls_key)
            self.tls = ctx
        # The server works in its state directory and names every file relative to it:
        # each of the path lookups of a request (a dozen or more) is shorter.  (Paths
        # given relative to the directory it was started in are resolved before.)
        root = os.path.abspath(state_dir)
        xsd = os.environ.get("SIMORG_XSD")
        if xsd:
            os.environ["SIMORG_XSD"] = os.path.abspath(xsd)
        os.chdir(root)
        self.state = State(".", relative=True)
        self.verbose = verbose
        self.log = RequestLog(os.path.join(self.state.root, "requests.jsonl"))
        self.root_faults = F.FaultSet(os.path.join(self.state.root, "faults.json")) if self.state.multi else None
        self.faults_lock = threading.Lock()
        self.held = {}  # (org name, op) -> requests a "late" fault held back
        self.scheme = "https" if self.tls else "http"
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self.sock.bind((host, port))
            self.sock.listen(1024)
            self.sock.setblocking(False)
        except OSError:
            self.sock.close()
            raise
        self.server_address = self.sock.getsockname()
        self.sel = selectors.DefaultSelector()
        self.sel.register(self.sock, selectors.EVENT_READ, self._accept)
        self.timers = []           # heap of (when, seq, fn)
        self._timer_seq = itertools.count()
        self.conns = set()
        self.stopping = False
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self.sel.register(self._wake_r, selectors.EVENT_READ, self._woken)
        self._next_sweep = time.monotonic() + 1.0
        # what recv_into reads into (one loop thread: one buffer for all connections)
        self.rbuf = bytearray(RECV_SIZE)
        self.rview = memoryview(self.rbuf)

    @property
    def port(self):
        return self.server_address[1]

    # ------------------------------------------------------------ faults
    def hold(self, org_name, op, fn):
        with self.faults_lock:
            self.held.setdefault((org_name, op), []).append(fn)

    def take_held(self, org_name, op):
        with self.faults_lock:
            if not self.held:
                return []
            return self.held.pop((org_name, op), [])

    def org_faults(self, org):
        with self.faults_lock:
            if org.faults is None:
                org.faults = F.FaultSet(os.path.join(org.root, "faults.json"))
            return org.faults

    # ------------------------------------------------------------ timers
    def call_later(self, delay, fn):
        heapq.heappush(self.timers, (time.monotonic() + delay, next(self._timer_seq), fn))

    def _run_timers(self):
        """Runs the due timers; returns the seconds until the next one (at most 1)."""
        now = time.monotonic()
        while self.timers and self.timers[0][0] <= now:
            _, _, fn = heapq.heappop(self.timers)
            self._guard(fn)
        if now >= self._next_sweep:
            self._next_sweep = now + 1.0
            for c in list(self.conns):
                c.check_idle(now)
        timeout = 1.0
        if self.timers:
            timeout = min(timeout, max(0.0, self.timers[0][0] - time.monotonic()))
        return timeout

    def _guard(self, fn, *args):
        try:
            fn(*args)
        except Exception:  # a bug in the simulator: report it, keep serving
            traceback.print_exc()

    # ------------------------------------------------------------ loop
    def serve_forever(self):
        select = self.sel.select
        while not self.stopping:
            timeout = self._run_timers()
            for key, mask in select(timeout):
                self._guard(key.data, mask)

    def stop(self):
        """Asks serve_forever to return (safe from a signal handler)."""
        self.stopping = True
        try:
            self._wake_w.send(b"x")
        except OSError:
            pass

    def _woken(self, mask):
        try:
            while self._wake_r.recv(512):
                pass
        except OSError:
            pass

    def close(self):
        for c in list(self.conns):
            c.close()
        for s in (self.sock, self._wake_r, self._wake_w):
            try:
                self.sel.unregister(s)
            except (KeyError, ValueError):
                pass
            s.close()
        self.sel.close()
        self.log.close()

    def _accept(self, mask):
        for _ in range(256):
            try:
                sock, addr = self.sock.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as e:
                if e.errno in (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM, errno.ECONNABORTED):
                    return
                raise
            try:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError:
                pass
            sock.setblocking(False)
            if self.tls is not None:
                try:
                    sock = self.tls.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
                except (OSError, ssl.SSLError):
                    sock.close()
                    continue
            Conn(self, sock, addr)


class Conn:
    """One client connection: reads requests, answers them in order."""

    def __init__(self, srv, sock, addr):
        self.srv = srv
        self.sock = sock
        self.addr = addr
        self.inbuf = bytearray()
        self.out = b""
        self.then = None          # after the answer: None (next request), "close", "shutdown"
        self.finishing = False    # out holds (the end of) an answer
        self.busy = False         # a request is being answered
        self.req = None           # the request whose body is still arriving
        self.head_end = 0         # where its body starts in inbuf
        self.continued = False    # 100 Continue considered for it
        self.eof = False
        self.closed = False
        self.handshaking = isinstance(sock, ssl.SSLSocket)
        self.last = time.monotonic()
        self.mask = 0
        srv.conns.add(self)
        if self.handshaking:
            self._handshake()
        else:
            self._want(selectors.EVENT_READ)

    # ------------------------------------------------------------ selector
    def _want(self, mask):
        if self.closed or mask == self.mask:
            return
        sel = self.srv.sel
        if self.mask == 0:
            sel.register(self.sock, mask, self._ready)
        elif mask == 0:
            sel.unregister(self.sock)
        else:
            sel.modify(self.sock, mask, self._ready)
        self.mask = mask

    def _ready(self, mask):
        if self.closed:
            return
        self.last = time.monotonic()
        if self.handshaking:
            self._handshake()
            return
        if mask & selectors.EVENT_WRITE:
            self._flush()
            if self.closed:
                return
        if mask & selectors.EVENT_READ:
            self._read()

    def check_idle(self, now):
        if self.busy or self.out or self.closed:
            return
        limit = HANDSHAKE_TIMEOUT if self.handshaking else IDLE_TIMEOUT
        if now - self.last > limit:
            self.close()

    # ------------------------------------------------------------ TLS
    def _handshake(self):
        try:
            self.sock.do_handshake()
        except ssl.SSLWantReadError:
            self._want(selectors.EVENT_READ)
            return
        except ssl.SSLWantWriteError:
            self._want(selectors.EVENT_WRITE)
            return
        except (OSError, ssl.SSLError, ValueError):
            self.close()
            return
        self.handshaking = False
        self._want(selectors.EVENT_READ)
        self._read()

    # ------------------------------------------------------------ input
    def _read(self):
        tls = isinstance(self.sock, ssl.SSLSocket)
        rbuf, rview = self.srv.rbuf, self.srv.rview
        while True:
            try:
                n = self.sock.recv_into(rbuf)
            except (BlockingIOError, InterruptedError, ssl.SSLWantReadError, ssl.SSLWantWriteError):
                break
            except (OSError, ssl.SSLError):
                if self.busy:  # the answer under way still runs (and finds the connection gone)
                    self.eof = True
                    self._want(0)
                    return
                self.close()
                return
            if not n:
                self.eof = True
                break
            self.inbuf += rview[:n]
            if not tls and n < RECV_SIZE:
                break
        if self.busy:
            # the client sent more while its request is answered: keep it for later, stop
            # listening until then (EOF or a full buffer)
            if self.eof or len(self.inbuf) > MAX_LINE:
                self._want(0)
            return
        self._next()

    def _next(self):
        """Starts the next complete request in the buffer, if no answer is under way."""
        if self.busy or self.closed:
            return
        if self.inbuf:
            try:
                req = self._parse()
            except BadRequest as e:
                self.busy = True
                self.send_error(e.code, e.message, e.explain)
                return
            except _TooLarge as e:
                self.busy = True
                x = Exchange(self, e.req)
                x.close_connection = True
                x.send(Response(413, b"request too large", "text/plain"))
                return
            if req is not None:
                # the connection stays registered for reading while the request is
                # answered (see _read): no selector calls per request
                self.busy = True
                Exchange(self, req).run()
                return
        if self.eof:
            self.close()
            return
        self._want(selectors.EVENT_READ)

    def _parse(self):
        """A complete request from inbuf (removed from it), None when more input is needed.

        Raises BadRequest (answered as http.server would) or _TooLarge (413).
        """
        buf = self.inbuf
        req = self.req
        if req is not None:  # the head was parsed: waiting for the body
            return self._body(buf, req, self.head_end)
        # the common case in one go: CRLF line ends, nothing folded, within the limits
        hend = buf.find(b"\r\n\r\n")
        if 0 < hend and hend + 4 <= MAX_LINE:
            text = buf[:hend].decode("iso-8859-1")
            crlf = text.count("\r\n")
            if (crlf <= MAX_HEADERS and text.count("\n") == crlf and "\r\n " not in text
                    and "\r\n\t" not in text):
                lines = text.split("\r\n")
                req = self.req = self._head(lines[0], lines[1:])
                self.head_end = hend + 4
                return self._body(buf, req, hend + 4)
        return self._parse_lines(buf)

    def _parse_lines(self, buf):
        """_parse, line by line (as http.server reads a request)."""
        end = buf.find(b"\n")
        if end < 0:
            if len(buf) > MAX_LINE:
                raise BadRequest(HTTPStatus.REQUEST_URI_TOO_LONG)
            return None
        if end + 1 > MAX_LINE:
            raise BadRequest(HTTPStatus.REQUEST_URI_TOO_LONG)
        # the header block ends with an empty line
        pos = end + 1
        lines = []
        while True:
            nl = buf.find(b"\n", pos)
            if nl < 0:
                if len(buf) - pos > MAX_LINE:
                    raise BadRequest(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "Line too long",
                                     "got more than %d bytes when reading header line" % MAX_LINE)
                return None
            if nl + 1 - pos > MAX_LINE:
                raise BadRequest(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "Line too long",
                                 "got more than %d bytes when reading header line" % MAX_LINE)
            line = bytes(buf[pos:nl + 1])
            pos = nl + 1
            if line in (b"\r\n", b"\n"):
                break
            lines.append(line)
            if len(lines) > MAX_HEADERS:
                raise BadRequest(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "Too many headers",
                                 "got more than %d headers" % MAX_HEADERS)
        req = self.req = self._head(str(bytes(buf[:end + 1]), "iso-8859-1"),
                                    [str(line, "iso-8859-1") for line in lines])
        self.head_end = pos
        return self._body(buf, req, pos)

    def _body(self, buf, req, head_end):
        """The request once its body (at buf[head_end:]) is complete, else None."""
        headers = req.headers
        te = headers.get("Transfer-Encoding")
        if te and "chunked" in te.lower():
            r = _chunked(buf, head_end)
            if r is None:
                self._continue(req)
                return None
            req.body, total = r
        else:
            cl = headers.get("Content-Length")
            if cl:
                try:
                    n = int(cl)
                except ValueError:
                    raise _TooLarge(req)
                if n > MAX_BODY:
                    raise _TooLarge(req)
            else:
                n = 0
            if n > 0:
                if len(buf) - head_end < n:
                    self._continue(req)
                    return None
                req.body = bytes(buf[head_end:head_end + n])
            total = head_end + max(n, 0)
        del buf[:total]
        self.req = None
        self.continued = False
        return req

    def _head(self, requestline, lines):
        """The request line and the header lines, as text (parsed once per request)."""
        req = Request()
        req.requestline = requestline.rstrip("\r\n")
        words = req.requestline.split()
        if not words:
            raise BadRequest(None)  # http.server closes without an answer
        if len(words) >= 3:
            version = words[-1]
            if version == "HTTP/1.1":  # (what clients send)
                req.close = False
                req.version = version
            else:
                self._version(req, version)
        if not 2 <= len(words) <= 3:
            raise BadRequest(HTTPStatus.BAD_REQUEST, "Bad request syntax (%r)" % req.requestline)
        req.command, req.path = words[:2]
        if len(words) == 2:
            req.close = True
            if req.command != "GET":
                raise BadRequest(HTTPStatus.BAD_REQUEST, "Bad HTTP/0.9 request type (%r)" % req.command)
        if req.path.startswith("//"):
            req.path = "/" + req.path.lstrip("/")
        headers = req.headers
        d = headers._d  # (Headers.add and Headers.fold, inlined)
        last = None
        for text in lines:
            if text and text[0] in " \t":
                if last is not None:  # obsolete line folding
                    d[last] = d[last] + " " + text.strip()
                continue
            name, sep, value = text.partition(":")
            if not sep:
                continue
            last = name.strip().lower()
            if last not in d:
                d[last] = value.strip()
        conntype = (headers.get("Connection") or "").lower()
        if conntype == "close":
            req.close = True
        elif conntype == "keep-alive":
            req.close = False
        if req.command not in METHODS:
            raise BadRequest(HTTPStatus.NOT_IMPLEMENTED, "Unsupported method (%r)" % req.command)
        return req

    @staticmethod
    def _version(req, version):
        """The request line's version (http.server's checks)."""
        try:
            if not version.startswith("HTTP/"):
                raise ValueError
            nums = version.split("/", 1)[1].split(".")
            if len(nums) != 2 or any(not n.isdigit() or len(n) > 10 for n in nums):
                raise ValueError
            vnum = int(nums[0]), int(nums[1])
        except (ValueError, IndexError):
            raise BadRequest(HTTPStatus.BAD_REQUEST, "Bad request version (%r)" % version)
        if vnum >= (1, 1):
            req.close = False
        if vnum >= (2, 0):
            raise BadRequest(HTTPStatus.HTTP_VERSION_NOT_SUPPORTED,
                             "Invalid HTTP version (%s)" % version.split("/", 1)[1])
        req.version = version

    def _continue(self, req):
        """Expect: 100-continue: the client may wait for this before it sends the body."""
        if self.continued:
            return
        self.continued = True
        if (req.headers.get("Expect") or "").lower() == "100-continue" and req.version >= "HTTP/1.1":
            self._send(b"HTTP/1.1 100 Continue\r\n\r\n")

    # ------------------------------------------------------------ output
    def write(self, data, then=None):
        """Sends the answer of the current request; then: None (next request), "close" or "shutdown"."""
        if self.closed:
            return
        self.then = then
        self.finishing = True
        self._send(data)

    def _send(self, data):
        """Sends what the socket takes now; the rest when it is writable."""
        if self.closed:
            return
        self.out = self.out + data if self.out else data
        self._flush()

    def _flush(self):
        out = self.out
        while out:
            try:
                n = self.sock.send(out)
            except (BlockingIOError, InterruptedError, ssl.SSLWantWriteError, ssl.SSLWantReadError):
                break
            except (OSError, ssl.SSLError):
                self.close()
                return
            out = out[n:]
        self.out = out
        if out:
            self._want(selectors.EVENT_WRITE)
            return
        if not self.finishing:  # a 100 Continue went out: wait for the body
            if self.mask & selectors.EVENT_WRITE:
                self._want(selectors.EVENT_READ)
            return
        self.finishing = False
        then, self.then = self.then, None
        if then == "close":
            self.close()
        elif then == "shutdown":
            self.hard_close(reset=False)
        else:
            self.busy = False
            self._next()

    def send_error(self, code, message=None, explain=None):
        """http.server's error page; the connection closes after it."""
        if code is None:
            self.close()
            return
        code = int(code)
        short, long_ = BaseHTTPRequestHandler.responses.get(code, ("???", "???"))
        message = short if message is None else message
        explain = long_ if explain is None else explain
        body = (BaseHTTPRequestHandler.error_message_format % {
            "code": code, "message": html.escape(message, quote=False),
            "explain": html.escape(explain, quote=False)}).encode("utf-8", "replace")
        head = ("HTTP/1.1 %d %s\r\nServer: %s\r\nDate: %s\r\nConnection: close\r\nContent-Type: %s\r\n"
                "Content-Length: %d\r\n\r\n" % (code, message, SERVER_HEADER, _DATE.get(),
                                                  BaseHTTPRequestHandler.error_content_type, len(body)))
        if self.srv.verbose:
            log_message(self.addr, "code %d, message %s" % (code, message))
        self.write(head.encode("latin-1", "replace") + body, then="close")

    def hard_close(self, reset):
        """Closes with a RST (reset) or a FIN, whatever the client still sends."""
        if self.closed:
            return
        s = self.sock
        try:
            if reset:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            else:
                socket.socket.shutdown(s, socket.SHUT_RDWR)
        except (OSError, ValueError):
            pass
        self.close()

    def close(self):
        if self.closed:
            return
        self._want(0)
        self.closed = True
        self.out = b""
        self.srv.conns.discard(self)
        try:
            self.sock.close()
        except OSError:
            pass


class _TooLarge(Exception):
    def __init__(self, req=None):
        super().__init__("request too large")
        self.req = req


def _chunked(buf, pos):
    """(body, end offset) of a complete chunked body at buf[pos:], or None when incomplete.

    Raises _TooLarge for a malformed or too large body (answered 413, as before).
    """
    out = bytearray()
    while True:
        nl = buf.find(b"\n", pos)
        if nl < 0:
            if len(buf) - pos > MAX_LINE:
                raise _TooLarge()
            return None
        line = bytes(buf[pos:nl + 1])
        pos = nl + 1
        try:
            size = int(line.split(b";", 1)[0].strip() or b"0", 16)
        except ValueError:
            raise _TooLarge()
        if size == 0:
            while True:  # trailers, up to an empty line
                nl = buf.find(b"\n", pos)
                if nl < 0:
                    return None
                line = bytes(buf[pos:nl + 1])
                pos = nl + 1
                if line in (b"\r\n", b"\n"):
                    return bytes(out), pos
        if size < 0:
            raise _TooLarge()
        if len(buf) < pos + size:
            if len(out) + size > MAX_BODY:
                raise _TooLarge()
            return None
        out += buf[pos:pos + size]
        pos += size
        nl = buf.find(b"\n", pos)
        if nl < 0:
            return None
        pos = nl + 1
        if len(out) > MAX_BODY:
            raise _TooLarge()


class Request:
    __slots__ = ("command", "path", "version", "headers", "body", "requestline", "close")

    def __init__(self):
        self.command = None
        self.path = None
        self.version = "HTTP/0.9"
        self.headers = Headers()
        self.body = b""
        self.requestline = ""
        self.close = True
def log_message(addr, msg):
    """--verbose: one line per request on stderr, as http.server wrote it."""
    t = time.localtime()
    sys.stderr.write("%s - - [%02d/%s/%04d %02d:%02d:%02d] %s\n" % (
        addr[0] if addr else "-", t[2], BaseHTTPRequestHandler.monthname[t[1]], t[0], t[3], t[4], t[5], msg))


# ---------------------------------------------------------------- one request

class Exchange:
    """One request and its answer: routing, faults, the request log."""

    __slots__ = ("conn", "server", "command", "path", "headers", "body", "requestline", "close_connection",
                 "latency", "due")

    def __init__(self, conn, req):
        self.conn = conn
        self.server = conn.srv
        self.command = req.command
        self.path = req.path
        self.headers = req.headers
        self.body = req.body
        self.requestline = req.requestline
        self.close_connection = req.close
        self.latency = 0
        self.due = 0.0

    def run(self):
        try:
            self.dispatch()
        except Exception:  # a bug in the simulator: report it, drop the connection
            traceback.print_exc()
            self.conn.close()

    # ------------------------------------------------------------ dispatch
    def dispatch(self):
        util.Epoch.next()
        srv = self.server
        body = self.body
        target = self.path
        if target[:1] == "/" and "#" not in target:  # origin-form: what urlsplit would give
            path, _, query = target.partition("?")
        else:
            split = urllib.parse.urlsplit(target)
            path, query = split.path, split.query
        if "%" in path:
            path = urllib.parse.unquote(path)
        org_name = None
        prefix = ""
        if srv.state.multi:
            m = _ORG_PATH.match(path)
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

        # classify: op, type, count, and the function that answers
        kind, info = self.classify(path, query, body)
        bases = None
        if kind == "token":  # the audiences a JWT may name
            bases = {base, "%s://127.0.0.1:%d%s" % (srv.scheme, srv.port, prefix),
                     "%s://localhost:%d%s" % (srv.scheme, srv.port, prefix)}
        entry["op"] = info.get("op", "other")
        entry["type"] = info.get("type")
        entry["count"] = info.get("count")
        protocol = "soap" if kind == "soap" else "oauth" if kind == "token" else "rest"

        # a request an earlier "late" fault held back reaches the org first
        if srv.held:
            for held in srv.take_held(org_name, entry["op"]):
                held()

        # faults; the latency is a timer: latencyModel "before" (the default)
        # processes the request when it expires (the rules are matched then),
        # "within" processes it now and holds back only what goes out
        org_faults = org.faults or srv.org_faults(org)
        sets = (org_faults,) if srv.root_faults is None else (srv.root_faults, org_faults)
        latency = 0
        within = True
        for s in sets:
            ms, w = s.latency()
            if ms > 0:
                latency += ms
                within = within and w
        args = (sets, kind, info, org, org_name, path, query, body, base, bases, protocol, entry)
        if latency > 0 and within:
            self.due = time.monotonic() + latency / 1000.0
        elif latency > 0:
            self.latency = latency
            srv.call_later(latency / 1000.0, lambda: self._resume(args))
            return
        self.respond(*args)

    def _resume(self, args):
        # processed even when the client has gone meanwhile (as a server thread would)
        try:
            self.respond(*args)
        except Exception:
            traceback.print_exc()
            self.conn.close()

    def respond(self, sets, kind, info, org, org_name, path, query, body, base, bases, protocol, entry):
        srv = self.server
        if self.latency:
            util.Epoch.next()
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
                     lambda: self.answer(kind, info, org, path, query, body, base, bases))
            self.inject_logged(rule, protocol, None, entry)
            return
        if rule is not None and rule.apply == "before" and rule.kind != "truncated":
            self.inject_logged(rule, protocol, None, entry)
            return

        try:
            resp = self.answer(kind, info, org, path, query, body, base, bases)
        except Exception as e:  # a bug in the simulator: answer like Salesforce would, keep serving
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
                m = _FROM.search(q)
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

    def when_due(self, fn):
        """Runs fn (what goes out: an answer, a reset, the start of a
        timeout) at once, or with latencyModel "within" when the request's
        latency has passed since it arrived."""
        if self.due:
            wait = self.due - time.monotonic()
            if wait > 0:
                self.server.call_later(wait, fn)
                return
        fn()

    # ------------------------------------------------------------ faults
    def inject(self, rule, protocol, resp, log):
        """Carries out an injected fault; calls log(status sent, or None)
        before anything goes out."""
        k = rule.kind
        if k == "reset":
            log(None)
            conn = self.conn
            self.when_due(lambda: conn.hard_close(reset=True))
            return
        if k == "timeout":
            log(None)
            conn = self.conn
            self.when_due(lambda: self.server.call_later(rule.delay_ms / 1000.0,
                                                         lambda: conn.hard_close(reset=False)))
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

    # ------------------------------------------------------------ output
    def send(self, resp, truncate=False):
        """Status line, headers and body in one write (no Nagle / delayed-ACK stalls)."""
        parts = ["HTTP/1.1 %d %s\r\nServer: %s\r\nDate: %s\r\n" % (resp.status, _REASONS.get(resp.status, ""),
                                                                   SERVER_HEADER, _DATE.get())]
        if resp.content_type:
            parts.append("Content-Type: %s\r\n" % resp.content_type)
        for k, v in resp.headers.items():
            parts.append("%s: %s\r\n" % (k, v))
        parts.append("Content-Length: %d\r\n" % len(resp.body))
        if truncate:
            parts.append("Connection: close\r\n")
        parts.append("\r\n")
        out = "".join(parts).encode("latin-1", "strict")
        if self.command != "HEAD" or truncate:
            out += resp.body[:len(resp.body) // 2] if truncate else resp.body
        if self.server.verbose:
            log_message(self.conn.addr, '"%s" %s -' % (self.requestline, resp.status))
        then = "shutdown" if truncate else "close" if self.close_connection else None
        conn = self.conn
        self.when_due(lambda: conn.write(out, then))


def serve(state_dir, host="127.0.0.1", port=0, port_file=None, tls_cert=None, tls_key=None, verbose=False):
    if host not in ("127.0.0.1", "localhost"):
        raise SystemExit("simorg binds loopback only (got --host %s)" % host)
    if port_file:
        port_file = os.path.abspath(port_file)  # (the server changes directory)
    srv = SimServer(state_dir, host, port, tls_cert, tls_key, verbose)
    # the cached org state is long-lived and rarely cyclic: collect less often
    gc.freeze()
    gc.set_threshold(20000, 20, 20)

    def on_signal(signum, frame):
        srv.stop()
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    if port_file:
        util.atomic_write_text(port_file, "%d\n" % srv.port)
    print("listening on %s://127.0.0.1:%d" % (srv.scheme, srv.port), flush=True)
    try:
        srv.serve_forever()
    finally:
        srv.close()
    sys.stdout.flush()
    return 0
