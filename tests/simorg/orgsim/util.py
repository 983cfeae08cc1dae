"""Small helpers: atomic file writes, Salesforce ids, timestamps, random values."""

import ctypes
import datetime
import errno
import fcntl
import itertools
import json
import os
import secrets
import signal
import string
import tempfile
import time
from json.encoder import encode_basestring_ascii as _json_str

class Epoch:
    """The server's unit of work (the handling of one request).

    Files are re-read when their stat() signature changes; within one epoch
    a file is stat()ed once (0, outside the server: every time).
    """
    n = 0

    @classmethod
    def next(cls):
        cls.n += 1


# A directory's mtime is the (coarse) clock at its last change: a tick of up to 10 ms
# (HZ=100), a second or more on some filesystems.  Its signature stands for a
# listing only when the last change is older than any later one can be.
SETTLED_NS = 50000000


def settled_sig(st, before):
    """(mtime, size, inode) of a directory's stat result st, made at or after the clock
    reading before (clock_ns()), when any later change of the directory gives it another
    mtime; else None.  That is when the mtime is older than SETTLED_NS and not a whole
    second (a filesystem whose timestamps have seconds only could give a later change
    the same one)."""
    m = st.st_mtime_ns
    if m % 1000000000 == 0 or m > before - SETTLED_NS:
        return None
    return (m, st.st_size, st.st_ino)


def clock_ns():
    """The wall clock filesystems stamp files with, in nanoseconds."""
    return time.clock_gettime_ns(time.CLOCK_REALTIME)


def memo(cache, limit, key, make):
    """cache[key], made by make(key) the first time; the cache is emptied when it holds
    limit entries (for values that never change once made: parses of texts)."""
    value = cache.get(key)
    if value is None:
        value = make(key)
        if len(cache) >= limit:
            cache.clear()
        cache[key] = value
    return value


_CHECKSUM_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_ALNUM = string.ascii_letters + string.digits


_TMP_SEQ = itertools.count(1)
_PID = [os.getpid()]  # (getpid() is a syscall)
os.register_at_fork(after_in_child=lambda: _PID.__setitem__(0, os.getpid()))


def atomic_write_bytes(path, data):
    """Writes data to path through a temporary file in the same directory and a rename.

    Readers never see a partial file.  No fsync: the simulator guards against
    torn reads, not against power loss.  Returns the new file's stat result.
    """
    d = os.path.dirname(path) or "."
    tmp = "%s/.tmp-%d-%d" % (d, _PID[0], next(_TMP_SEQ))
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    except FileNotFoundError:
        os.makedirs(d, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=d)
    except FileExistsError:  # left behind by an earlier process with this pid
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=d)
    try:
        try:
            _write_all(fd, data)
            st = os.fstat(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
        return st
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _write_all(fd, data, offset=None):
    view = memoryview(data)
    pos = 0
    while pos < len(view):
        if offset is None:
            pos += os.write(fd, view[pos:])
        else:
            pos += os.pwrite(fd, view[pos:], offset + pos)


def atomic_write_text(path, text):
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path, obj):
    atomic_write_text(path, dumps_json(obj))


# ---------------------------------------------------------------- replace_file

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100
try:
    _renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    _renameat2.argtypes = (ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint)
    _renameat2.restype = ctypes.c_int
except (AttributeError, OSError):
    _renameat2 = None
_exchange_ok = _renameat2 is not None


def _exchange(a, b):
    """Atomically swaps the names a and b (bytes; renameat2 RENAME_EXCHANGE); False when unsupported."""
    global _exchange_ok
    if not _exchange_ok:
        return False
    if _renameat2(_AT_FDCWD, a, _AT_FDCWD, b, _RENAME_EXCHANGE) == 0:
        return True
    e = ctypes.get_errno()
    if e in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP):
        _exchange_ok = False
        return False
    raise OSError(e, os.strerror(e), b)


_SPARES = {}  # path -> (its spare's path, the spare's and its own as bytes)
_SIGIO = []


def _ignore_sigio():
    """Someone opening a spare while this process holds its lease would send it SIGIO,
    which kills by default: ignore it (nothing here uses signal-driven I/O)."""
    if _SIGIO:
        return
    _SIGIO.append(True)
    try:
        if signal.getsignal(signal.SIGIO) == signal.SIG_DFL:
            signal.signal(signal.SIGIO, signal.SIG_IGN)
    except ValueError:  # not the main thread
        _SIGIO.clear()


def replace_file(path, data):
    """Replaces path's content as atomic_write_bytes does, without a new inode.

    The new content goes into a spare file (DIR/.spare-NAME, the inode the
    previous replace took out of service), whose name is then exchanged with
    path's in one renameat2(RENAME_EXCHANGE): readers see the old file or
    the new one, never a partial one.  The spare is reused only when nobody
    has it open (a write lease can be taken on it); otherwise, or where the
    filesystem lacks leases or RENAME_EXCHANGE, a new file is written.
    Returns the new file's stat result.

    Why: on ext4 without a journal, allocating an inode skips every inode of
    its group freed in the last minute or more, one buffer lookup each, so a
    server that replaces a file per request spends most of its CPU there.
    """
    names = _SPARES.get(path)
    if names is None:
        d, name = os.path.split(path)
        spare = os.path.join(d, ".spare-" + name)
        if len(_SPARES) >= 100000:
            _SPARES.clear()
        names = _SPARES[path] = (spare, os.fsencode(spare), os.fsencode(path))
    spare = names[0]
    fd = None
    if _exchange_ok:
        _ignore_sigio()
        try:
            fd = os.open(spare, os.O_RDWR | os.O_CLOEXEC | os.O_NOFOLLOW)
        except OSError:
            fd = None
        if fd is not None:
            try:
                fcntl.fcntl(fd, fcntl.F_SETLEASE, fcntl.F_WRLCK)  # nobody else has it open
            except OSError:
                os.close(fd)
                fd = None
                try:
                    os.unlink(spare)
                except OSError:
                    pass
    if fd is None:
        if _exchange_ok:
            try:
                os.link(path, spare)  # path's inode becomes the next spare
            except OSError:
                pass
        return atomic_write_bytes(path, data)
    try:
        try:
            _write_all(fd, data, 0)
            st = os.fstat(fd)
            if st.st_size != len(data):  # the spare held more
                os.ftruncate(fd, len(data))
                st = os.fstat(fd)
        finally:
            os.close(fd)  # (which releases the lease)
        if not _exchange(names[1], names[2]):
            os.replace(spare, path)
    except FileNotFoundError:  # path itself does not exist yet
        os.replace(spare, path)
    return st


def remove_file(path):
    """Removes path and the spare replace_file keeps beside it."""
    d, name = os.path.split(path)
    for p in (path, os.path.join(d, ".spare-" + name)):
        try:
            os.unlink(p)
        except FileNotFoundError:
            pass


# ---------------------------------------------------------------- JSON

def dumps_json(obj):
    """json.dumps(obj, indent=2) + "\n", byte for byte, several times as fast.

    The text of a dict whose values are all strings, integers, booleans or
    null is remembered (keyed by its items, their types and the indentation):
    the state files are rewritten often and most such dicts in them do not
    change.
    """
    parts = []
    _dump(obj, "\n", parts)
    parts.append("\n")
    return "".join(parts)


_FLAT = {}           # (indentation, dict items, value types) -> JSON text
_FLAT_MAX = 20000
_FLAT_TYPES = frozenset((str, int, bool, type(None)))  # not float: -0.0 == 0.0


def dump_json_into(o, nl, parts):
    """Appends the text of o, as dumps_json writes it at the indentation nl
    ("\\n" + 2 spaces a level), to parts."""
    _dump(o, nl, parts)


def json_key(k):
    """The JSON text of a dict key (as json.dumps writes it)."""
    return _json_str(k if isinstance(k, str) else _json_key(k))


def _dump_dict(o, nl, parts):
    inner = nl + "  "
    sep = "{" + inner
    for k, v in o.items():
        parts.append(sep)
        sep = "," + inner
        parts.append(_json_str(k if isinstance(k, str) else _json_key(k)))
        parts.append(": ")
        if isinstance(v, str):
            parts.append(_json_str(v))
        else:
            _dump(v, inner, parts)
    parts.append(nl + "}")


def _flat_text(o, nl):
    """_dump_dict's text of a non-empty dict whose values are strings, integers, booleans or null."""
    inner = nl + "  "
    items = []
    for k, v in o.items():
        if type(v) is str:
            t = _json_str(v)
        elif v is None:
            t = "null"
        elif v is True:
            t = "true"
        elif v is False:
            t = "false"
        else:  # an int (or a subclass: as _dump writes it)
            sub = []
            _dump(v, inner, sub)
            t = "".join(sub)
        items.append("%s: %s" % (_json_str(k if isinstance(k, str) else _json_key(k)), t))
    return "{%s%s%s}" % (inner, ("," + inner).join(items), nl)


def _json_key(k):
    if isinstance(k, str):
        return k
    if k is True:
        return "true"
    if k is False:
        return "false"
    if k is None:
        return "null"
    if isinstance(k, (int, float)):
        return json.dumps(k)
    raise TypeError("keys must be str, int, float, bool or None, not %s" % type(k).__name__)


def _dump(o, nl, parts):
    if isinstance(o, str):
        parts.append(_json_str(o))
    elif o is None:
        parts.append("null")
    elif o is True:
        parts.append("true")
    elif o is False:
        parts.append("false")
    elif isinstance(o, dict):
        if not o:
            parts.append("{}")
            return
        types = tuple(map(type, o.values()))
        if not _FLAT_TYPES.issuperset(types):
            _dump_dict(o, nl, parts)
            return
        key = (nl, tuple(o.items()), types)
        text = _FLAT.get(key)
        if text is None:
            text = _flat_text(o, nl)
            if len(_FLAT) >= _FLAT_MAX:
                _FLAT.clear()
            _FLAT[key] = text
        parts.append(text)
    elif isinstance(o, (list, tuple)):
        if not o:
            parts.append("[]")
            return
        inner = nl + "  "
        sep = "[" + inner
        for v in o:
            parts.append(sep)
            sep = "," + inner
            if isinstance(v, str):
                parts.append(_json_str(v))
            else:
                _dump(v, inner, parts)
        parts.append(nl + "]")
    elif type(o) is int:
        parts.append(int.__repr__(o))  # (what json.dumps writes for an int, without the encoder)
    elif isinstance(o, (int, float)):
        parts.append(json.dumps(o))
    else:
        raise TypeError("Object of type %s is not JSON serializable" % type(o).__name__)


def read_text(path):
    """A UTF-8 file's text (os.read: no buffered file object)."""
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        chunks = []
        while True:
            b = os.read(fd, 65536)
            if not b:
                break
            chunks.append(b)
    finally:
        os.close(fd)
    return b"".join(chunks).decode("utf-8")


def read_json(path, default=None):
    try:
        return json.loads(read_text(path))
    except FileNotFoundError:
        return default


def sfid18(id15):
    """Adds the 3-character case-safe suffix Salesforce appends to a 15-character id."""
    if len(id15) == 18:
        return id15
    if len(id15) != 15:
        raise ValueError("not a 15-character id: %r" % id15)
    suffix = ""
    for chunk in range(3):
        bits = 0
        for i in range(5):
            c = id15[chunk * 5 + i]
            if "A" <= c <= "Z":
                bits |= 1 << i
        suffix += _CHECKSUM_ALPHABET[bits]
    return id15 + suffix


def id15(sfid):
    return sfid[:15] if sfid else sfid


def same_id(a, b):
    """True when two ids (15 or 18 characters) name the same record."""
    if not a or not b:
        return False
    return a[:15] == b[:15]


def make_id(prefix, seq):
    """A deterministic 18-character id: 3-char key prefix + 12-digit sequence number."""
    return sfid18("%s%012d" % (prefix, seq))


def _random_chars(alphabet, n):
    """n characters drawn uniformly from alphabet (at most 256 characters) with secrets' randomness."""
    k = len(alphabet)
    limit = 256 - 256 % k  # bytes at or above it would favour the first characters: drawn again
    out = []
    while len(out) < n:
        out.extend(alphabet[b % k] for b in secrets.token_bytes(n - len(out) + 8) if b < limit)
    return "".join(out[:n])


def random_alnum(n):
    return _random_chars(_ALNUM, n)


def random_consumer_key():
    # Real keys: "3MVG9" + ~80 characters of [A-Za-z0-9._]
    return "3MVG9" + _random_chars(_ALNUM + "._", 80)


def random_consumer_secret():
    return secrets.token_hex(32).upper()


_NOW_SEC = [None, ""]  # the second now_iso formatted last, and its text


def now_iso(t=None):
    if t is None:
        sec, ns = divmod(time.time_ns(), 1000000000)
        if sec != _NOW_SEC[0]:
            _NOW_SEC[:] = [sec, time.strftime("%Y-%m-%dT%H:%M:%S.", time.gmtime(sec))]
        return "%s%03dZ" % (_NOW_SEC[1], ns // 1000000)
    elif isinstance(t, (int, float)):
        t = datetime.datetime.fromtimestamp(t, datetime.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (t.microsecond // 1000)


def safe_component(name):
    """True for a name usable as one path component (org names, fullNames on disk)."""
    if not name or name in (".", "..") or name.startswith("."):
        return False
    if len(name) > 200:
        return False
    return all(c.isalnum() or c in "_-.:() " for c in name) and "/" not in name
