"""An org on disk, transactions over its metadata, and the multi-org registry.

Layout of an org directory (see README.md):
  org.json                 org id, users, profiles, permission sets, seeded sessions, limits, settings
  metadata/<Type>/<fullName>.xml   one metadata-format document per component
  metadata/ids.json        {Type: {fullName: id}}
  metadata/props.json      {"nextSeq": n, "components": {Type: {fullName: {createdDate, ...}}}}
  sessions.json            access tokens issued by the token endpoint
  runtime.json             ECA activation bookkeeping (settings.ecaActivation)
  faults.json              optional, written by tests
All writes are atomic (util.atomic_write_bytes for new files, util.replace_file
for replaced ones).  The server answers one request at a time; the org's lock
guards the org against other threads all the same.
"""

import json
import os
import re
import threading
import time

from . import record as R
from . import util
from .registry import TYPES, PREFIX_ORG, ECA_CHILD_TYPES
from .schema import get_schema

DEFAULT_SETTINGS = {
    "queryPageSize": 2000,
    "ecaActivation": {"attempts": 0, "seconds": 0},
    "clientSecretInRestApi": False,
}
DEFAULT_CREATED = "2026-01-05T09:00:00.000Z"
_REMAINING = "\x00simorg:Remaining\x00"   # placeholder while org.json's text is made
_REMAINING_JSON = json.dumps(_REMAINING)

# Parsed metadata files by content: many orgs hold the same documents (seeded
# from one fixture), and a record is parsed once for all of them.  The entry
# is [record (read only), {type: readMetadata XML}].
_PARSED = {}
_PARSED_MAX = 4096
# a string R.document_xml writes that R.parse_document reads back unchanged
_PLAIN_TEXT = re.compile("[\t\n\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]*\\Z")
_PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*\Z")


def _round_trips(rec):
    """True when parse_document(document_xml(t, rec)) gives rec back (no \\r, no
    empty complex value, no fullName field, no character XML cannot carry)."""
    texts = []
    if rec and not _plain_fields(rec, True, texts):
        return False
    # (one match for all values: "\t" is plain, so the joined text is plain iff each value is)
    return _PLAIN_TEXT.match("\t".join(texts)) is not None


_NAMES_OK = set()  # field names that passed _PLAIN_NAME


def _plain_fields(rec, top, texts):
    """_round_trips for the names and the structure; the values are collected in texts."""
    for k, v in rec:
        if not isinstance(k, str):
            return False
        if k not in _NAMES_OK:
            if not _PLAIN_NAME.match(k):
                return False
            if len(_NAMES_OK) < 10000:
                _NAMES_OK.add(k)
        if top and k == "fullName":
            return False
        if isinstance(v, list):
            if not v or not _plain_fields(v, False, texts):
                return False
        elif isinstance(v, str):
            texts.append(v)
        else:
            return False
    return True


def _first_by(items, key):
    """{key(item): the first item with that key}; None when an item has no hashable key (the
    caller then searches the list as before, failing or not as it would)."""
    out = {}
    try:
        for it in items:
            k = key(it)
            if k not in out:
                out[k] = it
    except (AttributeError, TypeError):
        return None
    return out


class _Cached:
    """A JSON file re-read when its mtime/size change."""

    def __init__(self, path, default):
        self.path = path
        self.default = default
        self.sig = None
        self.data = None
        self.epoch = 0  # util.Epoch in which sig was checked

    def _sig(self):
        try:
            st = os.stat(self.path)
            return (st.st_mtime_ns, st.st_size, st.st_ino)
        except FileNotFoundError:
            return None

    def get(self):
        if self.data is not None and self.epoch == util.Epoch.n != 0:
            return self.data
        self.epoch = util.Epoch.n
        sig = self._sig()
        if self.data is None or sig != self.sig:
            self.data = util.read_json(self.path, None)
            if self.data is None:
                self.data = self.default() if callable(self.default) else self.default
            self.sig = sig
        return self.data

    def put(self, data, text=None, raw=None):
        """Writes data (its text, or raw: its encoded text, when the caller has it)."""
        if raw is None:
            raw = (util.dumps_json(data) if text is None else text).encode("utf-8")
        st = util.replace_file(self.path, raw)
        self.data = data
        self.sig = (st.st_mtime_ns, st.st_size, st.st_ino) if st is not None else self._sig()
        self.epoch = util.Epoch.n


class Org:
    def __init__(self, root, name=None):
        self.root = root
        self.name = name
        self.lock = threading.RLock()
        self.md_dir = os.path.join(root, "metadata")
        self._org = _Cached(os.path.join(root, "org.json"), None)
        self._ids = _Cached(os.path.join(self.md_dir, "ids.json"), dict)
        self._props = _Cached(os.path.join(self.md_dir, "props.json"), lambda: {"nextSeq": 1000, "components": {}})
        self._sessions = _Cached(os.path.join(root, "sessions.json"), lambda: {"sessions": []})
        self._runtime = _Cached(os.path.join(root, "runtime.json"), lambda: {"ecaActivation": {}})
        self._rec_cache = {}   # (type, fullName) -> see _cached_record
        self._dir_cache = {}   # type -> [epoch, fullNames, sorted, directory signature]: see _listing
        self._dir_paths = {}   # type -> its directory
        self._paths = {}       # (type, fullName) -> path of its file
        self._limit_text = None  # (org.json data, bytes before Remaining, bytes after): see consume_api_call
        self._index_texts = {}   # "ids"/"props" -> {id(map): (map, text, ...)}: see _index_text
        # lookups by username / token, each valid while its list is the same object (the
        # loaded state is replaced, never changed in place)
        self._users_ix = None          # (users list, {username lower: user} or None)
        self._profiles_ix = None       # (profiles list, {name: index}, {id[:15]: index})
        self._sessions_ix = [None, None]  # org.json's, sessions.json's: (list, {token: session} or None)
        self.cursors = {}      # query locator -> (records, ...)
        self.faults = None     # set by the server (faults.FaultSet)
        self._indexed = False

    # ---------------------------------------------------------- org.json
    def data(self):
        d = self._org.get()
        if d is None:
            raise FileNotFoundError(os.path.join(self.root, "org.json"))
        return d

    def save(self, data):
        self._org.put(data)

    @property
    def org_id(self):
        return self.data()["orgId"]

    @property
    def org_id15(self):
        return self.org_id[:15]

    def settings(self):
        s = dict(DEFAULT_SETTINGS)
        s.update(self.data().get("settings") or {})
        return s

    def users(self):
        return self.data().get("users", [])

    def user_by_name(self, username):
        users = self.users()
        ix = self._users_ix
        if ix is None or ix[0] is not users:
            ix = self._users_ix = (users, _first_by(users, lambda u: u.get("username", "").lower()))
        if ix[1] is not None:
            return ix[1].get((username or "").lower())
        for u in users:
            if u.get("username", "").lower() == (username or "").lower():
                return u
        return None

    def user_by_id(self, uid):
        for u in self.users():
            if util.same_id(u.get("id"), uid):
                return u
        return None

    def profile(self, name_or_id):
        """The first profile with that name or that id (15 or 18 characters)."""
        profiles = self.data().get("profiles", [])
        if name_or_id is None or isinstance(name_or_id, str):
            ix = self._profiles_ix
            if ix is None or ix[0] is not profiles:
                ix = self._profiles_ix = (profiles, _first_by(range(len(profiles)), lambda i: profiles[i].get("name")),
                                          _first_by(range(len(profiles)), lambda i: (profiles[i].get("id") or "")[:15]))
            if ix[1] is not None and ix[2] is not None:
                i = ix[1].get(name_or_id)
                j = ix[2].get(name_or_id[:15]) if name_or_id else None  # (util.same_id: never "")
                if i is None or (j is not None and j < i):
                    i = j
                return None if i is None else profiles[i]
        for p in profiles:
            if p.get("name") == name_or_id or util.same_id(p.get("id"), name_or_id):
                return p
        return None

    def permset(self, name_or_id):
        for p in self.data().get("permissionSets", []):
            if p.get("name") == name_or_id or util.same_id(p.get("id"), name_or_id):
                return p
        return None

    def user_name(self, uid):
        u = self.user_by_id(uid)
        if not u:
            return "Unknown User"
        return u.get("name") or u["username"].split("@")[0]

    def admin_user_id(self):
        us = self.users()
        return us[0]["id"] if us else util.make_id("005", 1)

    # ---------------------------------------------------------- sessions
    def find_session(self, token):
        if not token:
            return None
        s = self._session_in(self.data().get("sessions", []), 0, token)
        if s is not None:
            d = dict(s)
            d.setdefault("format", "opaque")
            d.setdefault("scope", "full")
            return d
        s = self._session_in(self._sessions.get().get("sessions", []), 1, token)
        return None if s is None else dict(s)

    def _session_in(self, sessions, which, token):
        """The first of sessions (org.json's: 0, sessions.json's: 1) with this token."""
        ix = self._sessions_ix[which]
        if ix is None or ix[0] is not sessions:
            ix = self._sessions_ix[which] = (sessions, _first_by(sessions, lambda s: s.get("token")))
        if ix[1] is not None:
            return ix[1].get(token)
        for s in sessions:
            if s.get("token") == token:
                return s
        return None

    def add_session(self, sess):
        d = self._sessions.get()
        d = {"sessions": list(d.get("sessions", [])) + [sess]}
        self._sessions.put(d)

    # ---------------------------------------------------------- runtime.json
    def runtime(self):
        return self._runtime.get()

    def save_runtime(self, d):
        self._runtime.put(d)

    # ---------------------------------------------------------- limits
    def limits(self):
        return self.data().get("limits") or {}

    def api_remaining(self):
        d = self.limits().get("DailyApiRequests")
        if not d:
            return None
        return int(d.get("Remaining", 0))

    def consume_api_call(self):
        old = self.data()
        lim = (old.get("limits") or {}).get("DailyApiRequests")
        if not lim:
            return
        data = dict(old)
        limits = dict(data["limits"])
        lim = dict(lim)
        remaining = max(0, int(lim.get("Remaining", 0)) - 1)
        lim["Remaining"] = _REMAINING
        limits["DailyApiRequests"] = lim
        data["limits"] = limits
        # org.json is rewritten on every API call: only the number changes, so
        # the text around it is reused while the file holds what was last written
        t = self._limit_text
        if t is None or t[0] is not old:
            t = (None,) + tuple(part.encode("utf-8") for part in util.dumps_json(data).split(_REMAINING_JSON))
        lim["Remaining"] = remaining
        self._org.put(data, raw=b"%s%d%s" % (t[1], remaining, t[2]))
        self._limit_text = (data, t[1], t[2])

    # ---------------------------------------------------------- metadata files
    def _path(self, md_type, name):
        key = (md_type, name)
        p = self._paths.get(key)
        if p is None:
            if len(self._paths) >= 10000:
                self._paths.clear()
            p = self._paths[key] = os.path.join(self.md_dir, md_type, name + ".xml")
        return p

    def _listing(self, md_type):
        """[epoch, frozenset of the fullNames on disk, their sorted tuple or None, the directory's
        stat signature when it may stand for the listing, else None]: checked once per epoch.

        The directory is listed again unless its signature is the one a listing was made
        with and that listing could trust it (util.settled_sig): a stat() instead of
        open, fstat, getdents, getdents, close."""
        c = self._dir_cache.get(md_type)
        if c is not None and c[0] == util.Epoch.n != 0:
            return c
        d = self._dir_paths.get(md_type)
        if d is None:
            d = self._dir_paths[md_type] = os.path.join(self.md_dir, md_type)
        before = util.clock_ns()
        try:
            st = os.stat(d)
        except FileNotFoundError:
            st = None
        if st is not None and c is not None and c[3] is not None and c[3] == (st.st_mtime_ns, st.st_size, st.st_ino):
            c[0] = util.Epoch.n
            return c
        if st is None:
            names = frozenset()
            sig = None
        else:
            sig = util.settled_sig(st, before)  # (stat before listdir: a change in between makes another)
            try:
                names = frozenset(f[:-4] for f in os.listdir(d) if f.endswith(".xml") and not f.startswith("."))
            except FileNotFoundError:
                names = frozenset()
                sig = None
        c = self._dir_cache[md_type] = [util.Epoch.n, names, None, sig]
        return c

    def _sorted_names(self, md_type):
        """The fullNames on disk, sorted (once per listing)."""
        c = self._listing(md_type)
        if c[2] is None:
            c[2] = tuple(sorted(c[1]))
        return c[2]

    def disk_names(self, md_type):
        return list(self._listing(md_type)[1])

    def _cached_record(self, md_type, name):
        """[sig, record, {type: readMetadata XML}, epoch] of a component on disk, None when missing.

        The record and the XML may be shared with other components of the same content."""
        key = (md_type, name)
        c = self._rec_cache.get(key)
        if c is not None and c[3] == util.Epoch.n != 0:
            return c
        p = self._path(md_type, name)
        try:
            st = os.stat(p)
        except FileNotFoundError:
            self._rec_cache.pop(key, None)
            return None
        sig = (st.st_mtime_ns, st.st_size, st.st_ino)
        if c is not None and c[0] == sig:
            c[3] = util.Epoch.n
            return c
        text = util.read_text(p)
        parsed = _PARSED.get(text)
        if parsed is None:
            _, rec = R.parse_document(text)
            if len(_PARSED) >= _PARSED_MAX:
                _PARSED.clear()
            parsed = _PARSED[text] = [rec, {}]
        c = self._rec_cache[key] = [sig, parsed[0], parsed[1], util.Epoch.n]
        return c

    def disk_record(self, md_type, name):
        c = self._cached_record(md_type, name)
        return None if c is None else R.copy(c[1])

    def disk_record_xml(self, md_type, name, make):
        """make(copy of the record) -> text, remembered while the file does not change; None when missing."""
        c = self._cached_record(md_type, name)
        if c is None:
            return None
        xml = c[2].get(md_type)
        if xml is None:
            xml = c[2][md_type] = make(R.copy(c[1]))
        return xml

    def ids(self):
        self._ensure_index()
        return self._ids.get()

    def props(self):
        self._ensure_index()
        return self._props.get()

    def _ensure_index(self):
        """Gives every component on disk an id and properties (hand-made fixtures may lack them)."""
        if self._indexed:
            return
        self._indexed = True
        ids = self._ids.get()
        props = self._props.get()
        changed = False
        try:
            present = set(os.listdir(self.md_dir))  # (one listing instead of one per type)
        except FileNotFoundError:
            present = set()
        for t in sorted(TYPES):
            if t not in present:
                continue
            for n in sorted(self.disk_names(t)):
                if n not in ids.get(t, {}):
                    seq = props.get("nextSeq", 1000)
                    props["nextSeq"] = seq + 1
                    ids.setdefault(t, {})[n] = util.make_id(TYPES[t][2], seq)
                    changed = True
                comp = props.setdefault("components", {}).setdefault(t, {})
                if n not in comp:
                    uid = self.admin_user_id()
                    comp[n] = {"createdDate": DEFAULT_CREATED, "createdById": uid,
                               "lastModifiedDate": DEFAULT_CREATED, "lastModifiedById": uid,
                               "seq": props.get("nextSeq", 1000)}
                    props["nextSeq"] = props.get("nextSeq", 1000) + 1
                    changed = True
        if changed:  # (written as _write writes them: the texts are kept for its next write)
            self._ids.put(ids, self._index_text(ids, 1, "ids"))
            self._props.put(props, self._index_text(props, 2, "props", 2))

    def component_id(self, md_type, name):
        return self.ids().get(md_type, {}).get(name)

    def find_by_id(self, sfid, types=None):
        for t, m in self.ids().items():
            if types and t not in types:
                continue
            for n, i in m.items():
                if util.same_id(i, sfid):
                    return t, n
        return None

    def begin(self):
        return Txn(self)

    def commit(self, txn):
        if txn.pending:
            self._write(txn)
        for h in txn.hooks:
            h()

    def _write(self, txn):
        # the maps of ids.json and props.json are replaced, never changed, once
        # written (see _index_text): a changed type gets a new map
        old_ids = self.ids()
        ids = dict(old_ids)
        props = dict(self.props())
        old_comps = props.get("components", {})
        comps = dict(old_comps)
        copied = set()
        for (t, n), val in txn.pending.items():
            p = self._path(t, n)
            self._rec_cache.pop((t, n), None)
            self._dir_cache.pop(t, None)
            if t not in copied:
                copied.add(t)
                ids[t] = dict(ids.get(t, {}))
                comps[t] = dict(comps.get(t, {}))
            if val is None:
                util.remove_file(p)
                ids[t].pop(n, None)
                comps[t].pop(n, None)
            else:
                rec, meta, sfid = val
                rec = R.sort_fields(get_schema(), t, rec)
                data = R.document_xml(t, rec).encode("utf-8")
                if (t, n) in txn.created:  # a new file (no spare to reuse)
                    st = util.atomic_write_bytes(p, data)
                else:
                    st = util.replace_file(p, data)
                if st is not None and _round_trips(rec):
                    # what a read would parse: no need to read it back
                    self._rec_cache[(t, n)] = [(st.st_mtime_ns, st.st_size, st.st_ino), rec, {}, util.Epoch.n]
                ids[t][n] = sfid
                comps[t][n] = meta
        for t in copied:  # (no empty maps where there were none)
            if not ids[t] and t not in old_ids:
                del ids[t]
            if not comps[t] and t not in old_comps:
                del comps[t]
        props["components"] = comps
        props["nextSeq"] = max(props.get("nextSeq", 1000), txn.next_seq)
        if ids != old_ids:  # updates change no id
            self._ids.put(ids, self._index_text(ids, 1, "ids"))
        self._props.put(props, self._index_text(props, 2, "props", 2))

    def _index_text(self, data, depth, which, keep=1):
        """util.dumps_json(data) for ids.json (depth 1) or props.json (depth 2): the
        text of each type's map (depth levels down) is reused while it is the
        same object (_write replaces a changed map), and with keep=2 the text of
        each value of a changed map too (props.json: a component's properties,
        replaced when they change)."""
        old = self._index_texts.get(which) or {}
        new = {}
        parts = []
        _dump_levels(data, "\n", depth, old, new, parts, keep)
        parts.append("\n")
        self._index_texts[which] = new
        return "".join(parts)


def _dump_levels(o, nl, depth, old, new, parts, keep=1):
    """Appends o's dumps_json text at indentation nl to parts; the dicts depth levels
    down and (keep > 1) their dict values, keep levels in all, come from old by
    identity when there, and go to new: {id: (dict, text, {id: entry} of its values)}."""
    if not isinstance(o, dict) or not o:
        util.dump_json_into(o, nl, parts)
        return
    if depth == 0:
        r = old.get(id(o))
        if r is None or r[0] is not o:
            sub = []
            kids = {}
            if keep > 1:
                _dump_members(o, nl, 0, old, kids, sub, keep - 1)
            else:
                util.dump_json_into(o, nl, sub)
            r = (o, "".join(sub), kids)
        new[id(o)] = r
        if r[2]:
            new.update(r[2])  # (its values' texts serve when it is replaced)
        parts.append(r[1])
        return
    _dump_members(o, nl, depth - 1, old, new, parts, keep)


def _dump_members(o, nl, depth, old, new, parts, keep):
    """The object o as "{ key: value, ... }", each value by _dump_levels."""
    inner = nl + "  "
    sep = "{" + inner
    for k, v in o.items():
        parts.append(sep)
        sep = "," + inner
        parts.append(util.json_key(k))
        parts.append(": ")
        _dump_levels(v, inner, depth, old, new, parts, keep)
    parts.append(nl + "}")


class Txn:
    """Pending metadata changes; nothing touches the disk before Org.commit."""

    def __init__(self, org):
        self.org = org
        self.pending = {}
        self.created = set()  # (type, fullName) put as new components
        self.hooks = []  # run after a successful commit
        self.next_seq = org.props().get("nextSeq", 1000)

    def savepoint(self):
        return (dict(self.pending), self.next_seq, len(self.hooks), set(self.created))

    def rollback(self, sp):
        self.pending = dict(sp[0])
        self.next_seq = sp[1]
        del self.hooks[sp[2]:]
        self.created = set(sp[3])

    def get(self, md_type, name, copy=True):
        """The record (None when missing); copy=False: the stored one itself, for reading only."""
        key = (md_type, name)
        if key in self.pending:
            v = self.pending[key]
            return None if v is None else R.copy(v[0]) if copy else v[0]
        if copy:
            return self.org.disk_record(md_type, name)
        c = self.org._cached_record(md_type, name)
        return None if c is None else c[1]

    def exists(self, md_type, name):
        key = (md_type, name)
        if key in self.pending:
            return self.pending[key] is not None
        c = self.org._rec_cache.get(key)
        if c is not None and c[3] == util.Epoch.n != 0:
            return True
        c = self.org._dir_cache.get(md_type)
        if c is not None and c[0] == util.Epoch.n != 0 and name and name[0] != "." and "/" not in name:
            return name in c[1]  # listed in this epoch
        return os.path.exists(self.org._path(md_type, name))

    def names(self, md_type):
        s = set(self.org._listing(md_type)[1])
        for (t, n), v in self.pending.items():
            if t != md_type:
                continue
            if v is None:
                s.discard(n)
            else:
                s.add(n)
        return s

    def meta(self, md_type, name):
        key = (md_type, name)
        if key in self.pending and self.pending[key] is not None:
            return self.pending[key][1], self.pending[key][2]
        m = self.org.props().get("components", {}).get(md_type, {}).get(name)
        return m, self.org.component_id(md_type, name)

    def put(self, md_type, name, rec, user_id, created):
        now = util.now_iso()
        if created:
            seq = self.next_seq
            self.next_seq += 1
            sfid = util.make_id(TYPES[md_type][2], seq)
            meta = {"createdDate": now, "createdById": user_id, "lastModifiedDate": now,
                    "lastModifiedById": user_id, "seq": seq}
            self.created.add((md_type, name))
        else:
            old, sfid = self.meta(md_type, name)
            meta = dict(old or {})
            meta["lastModifiedDate"] = now
            meta["lastModifiedById"] = user_id
        self.pending[(md_type, name)] = (R.copy(rec), meta, sfid)
        return sfid

    def delete(self, md_type, name):
        self.pending[(md_type, name)] = None

    def records(self, md_type, copy=True):
        """(fullName, record) by name; copy=False: the stored records, for reading only."""
        if self.pending and any(k[0] == md_type for k in self.pending):
            names = sorted(self.names(md_type))
        else:
            names = self.org._sorted_names(md_type)
        cached = self.org._cached_record
        for n in names:  # (get(), inlined)
            key = (md_type, n)
            pending = self.pending
            if key in pending:
                v = pending[key]
                r = None if v is None else v[0]
            else:
                c = cached(md_type, n)
                r = None if c is None else c[1]
            if r is not None:
                yield n, (R.copy(r) if copy else r)

    def eca_children(self, eca_name, types=None, copy=True):
        """[(type, fullName, record)] of the children of an ECA, by type and name; copy=False:
        the stored records, for reading only."""
        out = []
        for t in (types or ECA_CHILD_TYPES):
            for n, r in self.records(t, copy=False):
                for k, v in r:  # (R.get(r, "externalClientApplication") == eca_name, inlined)
                    if k == "externalClientApplication":
                        if v == eca_name:
                            out.append((t, n, R.copy(r) if copy else r))
                        break
                else:
                    if eca_name is None:
                        out.append((t, n, R.copy(r) if copy else r))
        return out


def is_org_dir(path):
    return os.path.isfile(os.path.join(path, "org.json"))


class State:
    """The state directory: one org, or (no org.json at the top) one org per subdirectory."""

    def __init__(self, root, relative=False):
        """relative: keep root as given, "." for the server, which works in its state
        directory (see SimServer); else it is made absolute."""
        self.root = root if relative else os.path.abspath(root)
        self.multi = not is_org_dir(self.root)
        self._orgs = {}
        self._lock = threading.Lock()
        if not self.multi:
            self._orgs[None] = Org(self.root, None)

    def org(self, name=None):
        if not self.multi:
            return self._orgs[None] if name is None else None
        o = self._orgs.get(name)  # (a name is checked before its org is loaded)
        if o is not None:
            return o
        if name is None or not util.safe_component(name) or " " in name:
            return None
        with self._lock:
            o = self._orgs.get(name)
            if o is None:
                d = os.path.join(self.root, name)
                if not is_org_dir(d):
                    return None
                o = Org(d, name)
                self._orgs[name] = o
            return o

    def org_names(self):
        if not self.multi:
            return [None]
        try:
            return sorted(n for n in os.listdir(self.root) if is_org_dir(os.path.join(self.root, n)))
        except FileNotFoundError:
            return []


def new_org_id(n):
    return util.make_id(PREFIX_ORG, n)


def now():
    return time.time()
