#!/usr/bin/env python3
"""benchtool.py - the helpers of tests/bench/bench.sh (Python 3 standard library).

  benchtool.py addapps ORG_DIR N
      Turns a seeded copy of fixtures/example-org into an org with N migratable
      connected apps: N = 1 keeps only Partner1_ConnectedApp1 (certificate,
      channel definition); N >= 2 keeps Partner1_ConnectedApp1 and
      Acme_OrderSync and adds N - 2 copies, alternately of Partner1 (with its
      certificate: JWT-verified, BenchJwtNN_App) and of Acme_OrderSync
      (BenchSyncNN_App), each with its own consumer key and label.  The copies
      get their own name prefix so that the channel definition stays linked to
      Partner1_ConnectedApp1 alone.  Legacy_CommunityLogin (not migratable)
      stays.
  benchtool.py addapps --uniform ORG_DIR N
      The same, but the orgs of different N differ only in N: exactly N
      connected apps (Legacy_CommunityLogin removed), and Partner1 and its
      copies also name Acme's permission set, so every org names a profile
      and a permission set (requests per org: what grows per app).
  benchtool.py facts ORG_DIR                   org facts before a run (JSON)
  benchtool.py authfiles --state ROOT --out DIR --ports P1[,P2] --verify-key KEY
                         --verify-user USER
      One auth file per org of a multi-org state and DIR/orgs.csv; with two
      ports the orgs alternate between the two simulators.
  benchtool.py count LOG [--org NAME] [--from-line N]   per-op counts (JSON)
  benchtool.py minimum FACTS PLAN              the theoretical minimum (JSON)
  benchtool.py requests OUT.json NAME=DIR...    the requests-per-org result
  benchtool.py cpu PID                          utime+stime of a process, seconds
  benchtool.py procstat                         machine-wide busy and total CPU seconds
  benchtool.py machine DIR                      nproc, CPU model, disk of DIR, fsync probe
  benchtool.py run DIR                          one fleet run's record (DIR/record.json)
  benchtool.py throughput OUT.json [--kind journal] [--noise-pct P] [--machine M] RECORD...
                                                the throughput or journal result
"""

import collections
import glob
import json
import os
import platform
import re
import subprocess
import sys
import time

TYPES_CREATED = ("ExternalClientApplication", "ExtlClntAppOauthSettings",
                 "ExtlClntAppGlobalOauthSettings", "ExtlClntAppConfigurablePolicies")


def ceil10(n):
    return (n + 9) // 10


# --- orgs -------------------------------------------------------------------

def _new_key(text, i):
    def sub(m):
        k = m.group(1)
        return "<consumerKey>%sB%07d</consumerKey>" % (k[:-8], i)
    return re.sub(r"<consumerKey>([^<]+)</consumerKey>", sub, text, count=1)


def addapps(org_dir, n, uniform=False):
    d = os.path.join(org_dir, "metadata", "ConnectedApp")
    p1_path = os.path.join(d, "Partner1_ConnectedApp1.xml")
    p1 = open(p1_path, encoding="utf-8").read()
    acme = open(os.path.join(d, "Acme_OrderSync.xml"), encoding="utf-8").read()
    if n < 1:
        raise SystemExit("addapps: N must be at least 1")
    if uniform:
        os.remove(os.path.join(d, "Legacy_CommunityLogin.xml"))
        ps = "    <permissionSetName>Order_Sync_Integration</permissionSetName>\n"
        if ps.strip() not in p1:  # ConnectedApp order: permissionSetName before profileName
            p1 = p1.replace("    <profileName>", ps + "    <profileName>", 1)
            with open(p1_path, "w", encoding="utf-8") as f:
                f.write(p1)
    if n == 1:
        os.remove(os.path.join(d, "Acme_OrderSync.xml"))
    for i in range(3, n + 1):
        if i % 2:
            name, src, label = "BenchJwt%02d_App" % i, p1, "Partner1 ConnectedApp1"
        else:
            name, src, label = "BenchSync%02d_App" % i, acme, "Acme Order Sync"
        text = _new_key(src, i).replace("<label>%s</label>" % label,
                                        "<label>%s B%02d</label>" % (label, i), 1)
        with open(os.path.join(d, name + ".xml"), "w", encoding="utf-8") as f:
            f.write(text)


def facts(org_dir):
    md = os.path.join(org_dir, "metadata")

    def count(t):
        return len(glob.glob(os.path.join(md, t, "*.xml")))

    def names(t):
        return sorted(os.path.basename(p)[:-4] for p in glob.glob(os.path.join(md, t, "*.xml")))
    cas = sorted(os.path.basename(p)[:-4] for p in glob.glob(os.path.join(md, "ConnectedApp", "*.xml")))
    certs = [c for c in cas if "<certificate>" in open(os.path.join(md, "ConnectedApp", c + ".xml")).read()]
    return {
        "connectedApps": len(cas),
        "connectedAppNames": cas,
        "connectedAppsWithCertificate": certs,
        "externalClientApps": count("ExternalClientApplication"),
        "channelDefinitions": count("ConversationChannelDefinition"),
        "oauthPoliciesBefore": names("ExtlClntAppOauthConfigurablePolicies"),
        "configurablePoliciesBefore": names("ExtlClntAppConfigurablePolicies"),
    }


def authfiles(state, out, ports, verify_key, verify_user):
    os.makedirs(out, exist_ok=True)
    orgs = sorted(n for n in os.listdir(state) if os.path.isfile(os.path.join(state, n, "org.json")))
    lines = ["alias,auth_file,verify_user,verify_key"]
    for i, name in enumerate(orgs):
        port = ports[i % len(ports)]
        text = open(os.path.join(state, name, "auth.json"), encoding="utf-8").read()
        text = text.replace("PORT-PLACEHOLDER", str(port))
        with open(os.path.join(out, name + ".json"), "w", encoding="utf-8") as f:
            f.write(text)
        lines.append("%s,%s.json,%s,%s" % (name, name, verify_user, verify_key))
    with open(os.path.join(out, "orgs.csv"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    print(len(orgs))


# --- request counts ---------------------------------------------------------

def count(log, org=None, from_line=0):
    by_op = collections.Counter()
    by_op_type = collections.Counter()
    items = collections.Counter()
    statuses = collections.Counter()
    orgs = set()
    with open(log, encoding="utf-8") as f:
        for i, line in enumerate(f):
            if i < from_line:
                continue
            r = json.loads(line)
            if org is not None and r.get("org") != org:
                continue
            orgs.add(r.get("org"))
            by_op[r["op"]] += 1
            key = r["op"] + (" " + r["type"] if r.get("type") else "")
            by_op_type[key] += 1
            items[key] += r.get("count") or 0
            statuses[str(r.get("status"))] += 1
    return {
        "total": sum(by_op.values()),
        "orgs": len(orgs),
        "byOp": dict(sorted(by_op.items())),
        "byOpType": dict(sorted(by_op_type.items())),
        "componentsOrNames": {k: v for k, v in sorted(items.items()) if v},
        "statuses": dict(sorted(statuses.items())),
    }


def minimum(f, plan):
    """What `ca2eca batch apply` (plan made and applied in one invocation,
    admin logged in with an auth file) must send at the least, each call
    batched per type and per 10 components (Metadata API limits)."""
    steps = plan["steps"]
    n = sum(1 for s in steps if s["kind"] == "read_back")
    j = sum(1 for s in steps if s["kind"] == "verify")
    ccds = sorted({s["name"] for s in steps if s["kind"] == "repoint"})
    c = len(ccds)
    profiles = any(a.get("profiles") for a in plan["apps"])
    permsets = any(a.get("permissionSets") for a in plan["apps"])
    m = collections.OrderedDict()
    why = collections.OrderedDict()

    def put(key, value, reason):
        if value:
            m[key] = value
            why[key] = reason
    put("limits", 1, "the batch's daily-allocation check before the org starts")
    put("listMetadata ConnectedApp,ExternalClientApplication,ConversationChannelDefinition", 1,
        "inventory: the three types in one call (<= 3 queries per call)")
    put("readMetadata ConnectedApp", ceil10(f["connectedApps"]),
        "inventory: every connected app of the org, 10 per call (%d apps)" % f["connectedApps"])
    put("readMetadata ExternalClientApplication", ceil10(f["externalClientApps"]),
        "inventory: existing ECAs, 10 per call")
    put("readMetadata ConversationChannelDefinition", ceil10(f["channelDefinitions"]) + 2 * ceil10(c),
        "inventory + the repoint's read right before its update (read-modify-write: a change made in "
        "Setup since the inventory is kept, and the read is the before-image) + one confirming read "
        "after the update")
    put("query Profile", 1 if profiles else 0, "profile names -> ids, one query for all apps")
    put("query PermissionSet", 1 if permsets else 0, "permission set names -> ids, one query for all apps")
    for t in TYPES_CREATED:
        put("createMetadata " + t, ceil10(n), "one create per type per 10 apps")
    put("listMetadata ExtlClntAppOauthConfigurablePolicies,ExtlClntAppConfigurablePolicies", 1,
        "discovery: both types in one list call (after the OAuth settings exist)")
    ecas = [a["eca"] for a in plan["apps"]]

    def candidates(existing):
        return [x for x in existing if any(x.startswith(e) for e in ecas)]
    old_oauth = candidates(f["oauthPoliciesBefore"])
    old_cfg = candidates(f["configurablePoliciesBefore"])
    put("readMetadata ExtlClntAppOauthConfigurablePolicies", ceil10(n + len(old_oauth)),
        "discovery of the generated OAuth policies (random name suffix): the listed names that start "
        "with a planned ECA's name are read (%d new + %d existing)" % (n, len(old_oauth)))
    put("readMetadata ExtlClntAppConfigurablePolicies", ceil10(len(old_cfg)),
        "create_or_update: existing policies whose name starts with a planned ECA's name (%d)" % len(old_cfg))
    put("updateMetadata ExtlClntAppOauthConfigurablePolicies", ceil10(n), "one update per 10 apps")
    put("readMetadata ExtlClntAppGlobalOauthSettings", ceil10(n), "read-back: the generated consumer keys")
    put("readMetadata ExtlClntAppOauthSettings", ceil10(n), "read-back: the generated OAuth links")
    put("token", j, "one JWT bearer exchange per certificate app (verification)")
    put("updateMetadata ConversationChannelDefinition", ceil10(c), "repoint: the channel definitions, 10 per call")
    by_op = collections.Counter()
    for k, v in m.items():
        op = k.split(" ", 1)[0]
        by_op[op] += v
    return {
        "apps": n, "jwtApps": j, "channelDefinitionsRepointed": c,
        "total": sum(m.values()),
        "byOp": dict(sorted(by_op.items())),
        "byOpType": dict(m),
        "why": dict(why),
        "assumptions": [
            "admin logged in with an auth file (a JWT admin login adds 1 token request)",
            "plan and apply in one invocation: the inventory is taken once (applying a plan made "
            "earlier justifies a drift check: one more inventory, ~6 requests)",
            "listMetadata takes up to 3 queries, read/create/update up to 10 names of one type",
            "generated records are named after their ECA (<ECA>_oauthPlcy<digits>), so discovery reads "
            "only listed names starting with a planned ECA's name",
        ],
    }


def merge_type_keys(measured, mini):
    """Per (op type) rows measured vs minimum (an op type only one of them
    has gets a row with 0 on the other side)."""
    rows = []
    keys = list(mini["byOpType"].keys())
    for k in measured["byOpType"]:
        if k not in keys:
            keys.append(k)
    for k in keys:
        rows.append({"op": k, "measured": measured["byOpType"].get(k, 0), "minimum": mini["byOpType"].get(k, 0),
                     "extra": measured["byOpType"].get(k, 0) - mini["byOpType"].get(k, 0)})
    return rows


def requests_result(out, runs):
    res = {"measurement": "requests per org", "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
           "build": build_info(), "orgs": {}}
    for name, d in runs:
        measured = json.load(open(os.path.join(d, "measured.json")))
        f = json.load(open(os.path.join(d, "facts.json")))
        plan = json.load(open(os.path.join(d, "plan.json")))
        status = json.load(open(os.path.join(d, "status.json")))
        mini = minimum(f, plan)
        res["orgs"][name] = {
            "facts": f,
            "state": status.get("state"),
            "apps": mini["apps"], "jwtApps": mini["jwtApps"],
            "channelDefinitionsRepointed": mini["channelDefinitionsRepointed"],
            "requestsReportedByCa2eca": status.get("requests"),
            "measured": measured,
            "minimum": mini,
            "rows": merge_type_keys(measured, mini),
            "extraOverMinimum": measured["total"] - mini["total"],
            "command": open(os.path.join(d, "command.txt")).read().strip(),
        }
    names = list(res["orgs"].keys())
    if len(names) >= 2:
        a, b = res["orgs"][names[0]], res["orgs"][names[-1]]
        growth = {}
        for k in sorted(set(a["measured"]["byOpType"]) | set(b["measured"]["byOpType"])):
            d = b["measured"]["byOpType"].get(k, 0) - a["measured"]["byOpType"].get(k, 0)
            if d:
                growth[k] = d
        verify_growth = b["jwtApps"] - a["jwtApps"]
        res["growth"] = {
            "from": names[0], "to": names[-1],
            "measuredTotal": b["measured"]["total"] - a["measured"]["total"],
            "minimumTotal": b["minimum"]["total"] - a["minimum"]["total"],
            "verifyExchanges": verify_growth,
            "byOpType": growth,
            "target": "the %s org needs more requests than the %s org only by the extra verification "
                      "exchanges (%d)" % (names[-1], names[0], verify_growth),
            "targetMet": (b["measured"]["total"] - a["measured"]["total"]) == verify_growth,
        }
    with open(out, "w") as fh:
        json.dump(res, fh, indent=2)
        fh.write("\n")


def build_info():
    """The binary measured (bench.sh exports BENCH_CA2ECA and BENCH_ROOT)."""
    import hashlib
    path = os.environ.get("BENCH_CA2ECA")
    root = os.environ.get("BENCH_ROOT")
    if not path:
        return None
    info = {"binary": path,
            "sha256": hashlib.sha256(open(path, "rb").read()).hexdigest(),
            "built": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(os.path.getmtime(path)))}
    if root:
        def git(*a):
            r = subprocess.run(["git", "-C", root] + list(a), capture_output=True, text=True)
            return r.stdout.strip() if r.returncode == 0 else None
        info["gitHead"] = git("rev-parse", "HEAD")
        info["srcChangedSinceHead"] = bool(git("status", "--porcelain", "--", "src"))
    return info


# --- CPU, machine -----------------------------------------------------------

def cpu(pid):
    with open("/proc/%s/stat" % pid) as f:
        s = f.read()
    fields = s[s.rindex(")") + 2:].split()
    tck = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / tck  # utime, stime (fields 14, 15)


def procstat():
    """Machine-wide CPU seconds: busy (all but idle and iowait), total."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    tck = os.sysconf("SC_CLK_TCK")
    total = sum(v[:8])
    idle = v[3] + v[4]
    return (total - idle) / tck, total / tck


def machine(probe_dir):
    model = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem = "?"
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal"):
                mem = "%d MiB" % (int(line.split()[1]) // 1024)
    df = subprocess.run(["df", "-T", probe_dir], capture_output=True, text=True).stdout.splitlines()
    dev = fs = "?"
    if len(df) > 1:
        parts = df[1].split()
        dev, fs = parts[0], parts[1]
    rota = "?"
    base = os.path.basename(dev)
    base = re.sub(r"p?\d+$", "", base) if not os.path.exists("/sys/block/%s" % base) else base
    try:
        rota = open("/sys/block/%s/queue/rotational" % base).read().strip()
    except OSError:
        pass
    # fsync latency on the benchmark's disk: 200 x (write 4 KiB, fsync)
    p = os.path.join(probe_dir, ".fsync-probe")
    fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    t = time.perf_counter()
    for _ in range(200):
        os.write(fd, b"x" * 4096)
        os.fsync(fd)
    el = time.perf_counter() - t
    os.close(fd)
    os.unlink(p)
    return {
        "nproc": os.cpu_count(), "cpuModel": model, "memory": mem,
        "kernel": platform.release(), "python": platform.python_version(),
        "disk": {"device": dev, "filesystem": fs, "rotationalFlag": rota,
                 "fsyncMs": round(el / 200 * 1000, 3)},
    }


# --- throughput -------------------------------------------------------------

def parse_time_v(path):
    out = {}
    for line in open(path, errors="replace"):
        line = line.strip()
        if ":" not in line:
            continue
        k, v = line.rsplit(":", 1)
        k, v = k.strip(), v.strip()
        if k == "Maximum resident set size (kbytes)":
            out["maxRssKiB"] = int(v)
        elif k == "User time (seconds)":
            out["userSeconds"] = float(v)
        elif k == "System time (seconds)":
            out["systemSeconds"] = float(v)
        elif k == "Exit status":
            out["exitStatus"] = int(v)
        elif k == "Voluntary context switches":
            out["voluntaryContextSwitches"] = int(v)
        elif k == "File system outputs":
            out["fsOutputs"] = int(v)
    return out


def run_record(a):
    """bench.sh writes the raw numbers to a directory; this turns them into one record."""
    d = a.dir
    meta = json.load(open(os.path.join(d, "meta.json")))
    tv = parse_time_v(os.path.join(d, "time.txt"))
    counts = count(os.path.join(meta["log"]), None, meta.get("logFromLine", 0))
    states = collections.Counter()
    failed = []
    for st in glob.glob(os.path.join(meta["batchDir"], "*", "status.json")):
        s = json.load(open(st))
        states[s["state"]] += 1
        if s["state"] != "done" and len(failed) < 5:
            failed.append({"alias": s["alias"], "error": s.get("error")})
    wall = meta["wallSeconds"]
    orgs = meta["orgs"]
    per_org = counts["total"] / orgs if orgs else 0
    ideal = per_org * meta["latencyMs"] / 1000.0 * orgs / meta["jobs"]
    sim_cpu = [s["cpuAfter"] - s["cpuBefore"] for s in meta["sims"]]
    ca_cpu = tv.get("userSeconds", 0) + tv.get("systemSeconds", 0)
    rec = {
        "name": meta["name"],
        "command": meta["command"],
        "orgs": orgs, "appsPerOrg": meta["appsPerOrg"], "jobs": meta["jobs"],
        "latencyMs": meta["latencyMs"], "latencyModel": meta.get("latencyModel", "before"),
        "simulators": len(meta["sims"]),
        "simulatorNice": meta.get("simNice", 0),
        "memoryJournal": meta["memoryJournal"],
        "exitStatus": meta["exitStatus"],
        "orgStates": dict(states), "firstFailures": failed,
        "requests": counts["total"], "requestsPerOrg": round(per_org, 2),
        "requestsByOp": counts["byOp"], "httpStatuses": counts["statuses"],
        "wallSeconds": round(wall, 2),
        "idealSeconds": round(ideal, 2),
        "wallOverIdeal": round(wall / ideal, 2) if ideal else None,
        # the CPU the run needed (ca2eca + simulators) spread over every core:
        # no run on this machine can be faster, whatever the latency
        "cpuBoundFloorSeconds": round((ca_cpu + sum(sim_cpu)) / os.cpu_count(), 2),
        "orgsPerSecond": round(orgs / wall, 2) if wall else None,
        "requestsPerSecond": round(counts["total"] / wall, 1) if wall else None,
        "ca2eca": {
            "cpuSeconds": round(ca_cpu, 2),
            "cpuPercentOfOneCore": round(100 * ca_cpu / wall, 1) if wall else None,
            "maxRssMiB": round(tv.get("maxRssKiB", 0) / 1024, 1),
            "userSeconds": tv.get("userSeconds"), "systemSeconds": tv.get("systemSeconds"),
            "voluntaryContextSwitches": tv.get("voluntaryContextSwitches"),
            "fsOutputBlocks": tv.get("fsOutputs"),
        },
        "simulators_cpu": [{
            "port": s["port"],
            "cpuSeconds": round(c, 2),
            "cpuPercentOfOneCore": round(100 * c / wall, 1) if wall else None,
        } for s, c in zip(meta["sims"], sim_cpu)],
        "simCpuMsPerRequest": round(1000 * sum(sim_cpu) / counts["total"], 3) if counts["total"] else None,
        "ca2ecaCpuMsPerRequest": round(1000 * ca_cpu / counts["total"], 3) if counts["total"] else None,
        "loadAverageBefore": meta.get("loadavgBefore"),
        "loadAverageAfter": meta.get("loadavg"),
    }
    busy = meta.get("machineBusyAfter", 0) - meta.get("machineBusyBefore", 0)
    total = meta.get("machineTotalAfter", 0) - meta.get("machineTotalBefore", 0)
    if total > 0:
        other = busy - ca_cpu - sum(sim_cpu)
        rec["machine"] = {
            "busyCpuSeconds": round(busy, 2),
            "cpuSecondsAvailable": round(total, 2),
            "busyPercentOfAllCores": round(100 * busy / total, 1),
            "otherProcessesCpuSeconds": round(other, 2),
            "note": "other = busy - ca2eca - simulators: the rest of the machine (other users' "
                    "processes, the kernel's work not charged to these processes)",
        }
    with open(os.path.join(d, "record.json"), "w") as fh:
        json.dump(rec, fh, indent=2)
        fh.write("\n")
    print(json.dumps({k: rec[k] for k in ("name", "wallSeconds", "idealSeconds", "requestsPerOrg", "orgStates")}))
    if rec.get("machine"):
        print("   machine: %.0f%% of all cores busy, other processes %.1f CPU s, load %s -> %s" % (
            rec["machine"]["busyPercentOfAllCores"], rec["machine"]["otherProcessesCpuSeconds"],
            rec["loadAverageBefore"], rec["loadAverageAfter"]))


def _other_pct(r):
    m = r.get("machine") or {}
    if not m or not m.get("cpuSecondsAvailable"):
        return None
    return 100 * m["otherProcessesCpuSeconds"] / m["cpuSecondsAvailable"]


def median(values):
    v = sorted(values)
    mid = len(v) // 2
    return v[mid] if len(v) % 2 else (v[mid - 1] + v[mid]) / 2


def throughput_result(out, machine_json, records, kind, noise_pct):
    res = {"measurement": kind, "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
           "build": build_info(),
           "machine": json.load(open(machine_json)) if machine_json else None,
           "noiseRule": "a run is 'disturbed' when processes other than ca2eca and the simulators "
                        "took more than %g%% of the machine's CPU during it" % noise_pct,
           "runs": [json.load(open(r)) for r in records]}
    for r in res["runs"]:
        o = _other_pct(r)
        r["otherProcessesCpuPercent"] = round(o, 1) if o is not None else None
        r["disturbed"] = o is not None and o > noise_pct
        r["rssTargetMet"] = r["ca2eca"]["maxRssMiB"] <= 100
    if kind == "journal":
        res["configs"] = {}
        groups = collections.OrderedDict()
        for r in res["runs"]:
            prefix = re.sub(r"-(disk|mem)-.*$", "", r["name"])
            groups.setdefault(prefix, []).append(r)
        for prefix, runs in groups.items():
            pairs = []
            for i in range(0, len(runs) - 1, 2):
                d, m = runs[i], runs[i + 1]
                pairs.append({"pair": d["name"].split("-disk-")[-1],
                              "durable": d["name"], "memory": m["name"],
                              "orgs": d["orgs"], "jobs": d["jobs"], "simulators": d["simulators"],
                              "durableWallSeconds": d["wallSeconds"], "memoryWallSeconds": m["wallSeconds"],
                              "ratio": round(d["wallSeconds"] / m["wallSeconds"], 3),
                              "durableCa2ecaCpuSeconds": d["ca2eca"]["cpuSeconds"],
                              "memoryCa2ecaCpuSeconds": m["ca2eca"]["cpuSeconds"],
                              "durableFsOutputMiB": round((d["ca2eca"]["fsOutputBlocks"] or 0) * 512 / 2**20, 1),
                              "memoryFsOutputMiB": round((m["ca2eca"]["fsOutputBlocks"] or 0) * 512 / 2**20, 1),
                              "clean": not d["disturbed"] and not m["disturbed"]})
            c = {"pairs": pairs}
            use = [p for p in pairs if p["clean"]]
            c["ratioFrom"] = "%d undisturbed pair(s)" % len(use) if use else "no undisturbed pair"
            if use:
                ratios = sorted(p["ratio"] for p in use)
                med = median(ratios)
                c["ratio"] = round(med, 3)
                c["ratioMin"], c["ratioMax"] = ratios[0], ratios[-1]
                c["target"] = "durable journal at most 10% slower (median ratio of undisturbed pairs <= 1.10)"
                c["targetMet"] = med <= 1.10
            else:
                c["ratio"] = None
                c["targetMet"] = None
            res["configs"][prefix] = c
    else:
        res["targets"] = {"maxRssMiB": 100, "wallOverIdeal": 1.5}
        # one configuration per latency model and simulator count; its runs are NAME or NAME-k
        # (bench.sh --runs) and retries NAME.retryN
        res["configs"] = {}
        groups = collections.OrderedDict()
        for r in res["runs"]:
            groups.setdefault(re.sub(r"(-\d+)?(\.retry\d+)?$", "", r["name"]), []).append(r)
        for name, runs in groups.items():
            use = sorted(r["wallOverIdeal"] for r in runs if not r["disturbed"] and r["wallOverIdeal"])
            c = {"runs": [r["name"] for r in runs],
                 "from": "%d undisturbed run(s)" % len(use) if use else "no undisturbed run"}
            if use:
                c["wallOverIdeal"] = round(median(use), 2)
                c["min"], c["max"] = use[0], use[-1]
                c["targetMet"] = c["wallOverIdeal"] <= 1.5
            else:
                c["wallOverIdeal"] = None
                c["targetMet"] = None
            res["configs"][name] = c
    with open(out, "w") as fh:
        json.dump(res, fh, indent=2)
        fh.write("\n")


def main(argv):
    import argparse
    p = argparse.ArgumentParser(prog="benchtool.py")
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("addapps"); s.add_argument("org_dir"); s.add_argument("n", type=int)
    s.add_argument("--uniform", action="store_true")
    s = sub.add_parser("facts"); s.add_argument("org_dir")
    s = sub.add_parser("authfiles")
    s.add_argument("--state", required=True); s.add_argument("--out", required=True)
    s.add_argument("--ports", required=True); s.add_argument("--verify-key", required=True)
    s.add_argument("--verify-user", required=True)
    s = sub.add_parser("count"); s.add_argument("log"); s.add_argument("--org"); s.add_argument("--from-line", type=int, default=0)
    s = sub.add_parser("minimum"); s.add_argument("facts"); s.add_argument("plan")
    s = sub.add_parser("cpu"); s.add_argument("pid")
    s = sub.add_parser("machine"); s.add_argument("probe_dir")
    s = sub.add_parser("procstat")
    s = sub.add_parser("requests"); s.add_argument("out"); s.add_argument("runs", nargs="+")
    s = sub.add_parser("run"); s.add_argument("dir")
    s = sub.add_parser("throughput"); s.add_argument("out"); s.add_argument("--machine")
    s.add_argument("--kind", default="throughput"); s.add_argument("--noise-pct", type=float, default=10)
    s.add_argument("records", nargs="+")
    a = p.parse_args(argv)
    if a.cmd == "addapps":
        addapps(a.org_dir, a.n, a.uniform)
    elif a.cmd == "facts":
        print(json.dumps(facts(a.org_dir), indent=2))
    elif a.cmd == "authfiles":
        authfiles(a.state, a.out, [int(x) for x in a.ports.split(",")], a.verify_key, a.verify_user)
    elif a.cmd == "count":
        print(json.dumps(count(a.log, a.org, a.from_line), indent=2))
    elif a.cmd == "minimum":
        print(json.dumps(minimum(json.load(open(a.facts)), json.load(open(a.plan))), indent=2))
    elif a.cmd == "cpu":
        print("%.2f" % cpu(a.pid))
    elif a.cmd == "procstat":
        print("%.2f %.2f" % procstat())
    elif a.cmd == "machine":
        print(json.dumps(machine(a.probe_dir), indent=2))
    elif a.cmd == "requests":
        requests_result(a.out, [r.split("=", 1) for r in a.runs])
    elif a.cmd == "run":
        run_record(a)
    elif a.cmd == "throughput":
        throughput_result(a.out, a.machine, a.records, a.kind, a.noise_pct)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
