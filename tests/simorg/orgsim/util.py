"""Small helpers: atomic file writes, Salesforce ids, timestamps, random values."""

import datetime
import json
import os
import secrets
import string
import tempfile

_CHECKSUM_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_ALNUM = string.ascii_letters + string.digits


def atomic_write_bytes(path, data):
    """Writes data to path through a temporary file in the same directory and a rename.

    Readers never see a partial file.  No fsync: the simulator guards against
    torn reads, not against power loss.
    """
    d = os.path.dirname(os.path.abspath(path))
    os.makedirs(d, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=d)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def atomic_write_text(path, text):
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path, obj):
    atomic_write_text(path, json.dumps(obj, indent=2, sort_keys=False) + "\n")


def read_json(path, default=None):
    try:
        with open(path, "r", encoding="utf-8") as f:
            return json.load(f)
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


def random_alnum(n):
    return "".join(secrets.choice(_ALNUM) for _ in range(n))


def random_consumer_key():
    # Real keys: "3MVG9" + ~80 characters of [A-Za-z0-9._]
    alphabet = _ALNUM + "._"
    return "3MVG9" + "".join(secrets.choice(alphabet) for _ in range(80))


def random_consumer_secret():
    return secrets.token_hex(32).upper()


def now_iso(t=None):
    if t is None:
        t = datetime.datetime.now(datetime.timezone.utc)
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
