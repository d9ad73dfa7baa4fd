#!/usr/bin/env python3
"""Writes an archive of N signed, chained records into DATA/archive, each
with its incident's kept directory in DATA/incidents (journal, runbook
copy, lock), for timing `runbook records` and `runbook verify`.

Usage: gen_archive.py BIN N DATA [KEEP]

1. Templates, made by BIN itself: walks of the bundled plans (drills: their
   commands change servers, so they are simulated) and of three plans of
   its own whose commands only look (real incidents), each answered at
   random (seeded) one question per `runbook resume`, the clock moved a
   few minutes each time (timers fire), by several operators, with notes;
   then `runbook archive` files each, signed with a key made here.
2. N incidents from them, as archive would have filed them: each takes a
   template's journal and record with a new id (INC-YYYYMMDD-NNNN, 50 a
   day), its times moved to its own start, its journal re-chained (every
   line's `prev` and `hash` recomputed, as docs/journal-format.md says),
   its record given the new journal's hashes, its own archive time and
   deadline, and chained to the record before it (`previous_record`),
   then signed (SSHSIG, namespace runbook-incident, over the canonical
   bytes) and listed in index.jsonl. Only values are replaced, each by
   its canonical form, so records stay canonical.

Only the newest KEEP incidents (default: all) keep their directory: an
archive of a million incidents rarely keeps every journal. Signatures are
made with Python's `cryptography` when it is there (python3-cryptography),
else by `ssh-keygen -Y sign`, one process per record (slow).
"""
import base64
import concurrent.futures
import datetime
import hashlib
import json
import multiprocessing
import os
import random
import re
import shutil
import struct
import subprocess
import sys
import time

BIN, COUNT, DATA = sys.argv[1], int(sys.argv[2]), os.path.abspath(sys.argv[3])
KEEP = int(sys.argv[4]) if len(sys.argv) > 4 else COUNT
PER_DAY = 50
FIRST_DAY = datetime.datetime(2021, 1, 4, tzinfo=datetime.timezone.utc)
TIME = re.compile(rb'"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z)"')
GENESIS = "0" * 64

OWN_PLANS = {
    "disk-check": '''schema = 1
title = { en = "Disk filling up", zh = "磁盘将满" }
version = "3"
archive_within = "1d"
review_every = "6 months"
last_reviewed = 2026-10-01

[vars.mount]
prompt = "Which mount point?"
default = "/"
pattern = "^/[A-Za-z0-9._/-]*$"

[contacts.storage]
role = { en = "Storage team", zh = "存储组" }
phone = "+86 10 0000 0001"

[timers.escalate]
after = "30m"
until = "freed"
notify = ["storage"]
message = "Disk still filling up after 30 minutes"

[[steps]]
id = "look"
kind = "command"
title = "How full is {{mount}}?"
run = 'df -h "$MOUNT"; df -i "$MOUNT"'
timeout = "10s"

[[steps]]
id = "big"
kind = "command"
title = "The largest directories"
run = 'du -xsh /etc /usr/share/doc 2>/dev/null | sort -h | tail -5'
timeout = "30s"

[[steps]]
id = "cause"
kind = "choice"
title = "What filled it?"
options = [
  { label = "Logs", goto = "rotate" },
  { label = "A runaway process", goto = "process" },
  { label = "Backups left behind", goto = "clean" },
]

[[steps]]
id = "rotate"
kind = "checklist"
title = "Rotate the logs"
items = ["compress old logs", "check logrotate config", { en = "restart the writer", zh = "重启写日志的进程" }]
milestone = "freed"
next = "verify"

[[steps]]
id = "process"
kind = "input"
title = "Which process? (its name)"
var = "process"
pattern = "^[a-z][a-z0-9_-]*$"
next = "stop"

[[steps]]
id = "stop"
kind = "confirm"
title = "Stop {{process}}?"
yes = "verify"
no = "handover"

[[steps]]
id = "clean"
kind = "instruction"
title = "Move old backups to the backup server"
milestone = "freed"
next = "verify"

[[steps]]
id = "verify"
kind = "command"
title = "Check again"
run = 'df -h "$MOUNT" | tail -1; uptime'
timeout = "10s"
next = "done"

[[steps]]
id = "handover"
kind = "notify"
title = "Hand over to the storage team"
to = ["storage"]
next = "handed"

[[steps]]
id = "done"
kind = "end"
title = "Space freed"

[[steps]]
id = "handed"
kind = "end"
title = "Handed over"
outcome = "handed-over"
''',
    "service-slow": '''schema = 1
title = "Service answers slowly"
default_severity = "sev3"
start = "measure"

[vars.service]
prompt = "Service"
default = "web"
pattern = "^[A-Za-z0-9@._-]+$"

[contacts.dev]
role = "Developers on call"
email = "dev@example.com"

[[steps]]
id = "measure"
kind = "command"
title = "Load and memory"
run = 'cat /proc/loadavg; free -m; ps -eo pid,pcpu,pmem,comm --sort=-pcpu | head -8'
timeout = "10s"
capture = "load"

[[steps]]
id = "busy"
kind = "confirm"
title = "Is the machine overloaded ({{load}})?"
yes = "tell"
no = "look-logs"

[[steps]]
id = "look-logs"
kind = "command"
title = "Recent errors"
run = 'ls -la /var/log | head -20; echo "no errors in the last hour"'
timeout = "10s"
next = "fixed"

[[steps]]
id = "tell"
kind = "notify"
title = "Tell the developers"
to = ["dev"]
message = "{{service}} is slow: load {{load}}"
next = "fixed"

[[steps]]
id = "fixed"
kind = "confirm"
title = "Is it fast again?"
yes = "done"
no = "escalated"

[[steps]]
id = "done"
kind = "end"
title = "Resolved"

[[steps]]
id = "escalated"
kind = "end"
title = "Escalated to the developers"
outcome = "escalated"
''',
    "cert-expiry": '''schema = 1
title = { en = "Certificate about to expire", zh = "证书即将过期" }
default_severity = "sev3"

[[steps]]
id = "which"
kind = "input"
title = "Which host name?"
var = "name"
pattern = "^[a-z0-9.-]+$"

[[steps]]
id = "dates"
kind = "command"
title = "When does it expire?"
run = 'date -u; echo "notAfter=$(date -u -d "+9 days" +"%b %d %H:%M:%S %Y GMT")"'
timeout = "10s"

[[steps]]
id = "renew"
kind = "instruction"
title = "Renew it"
body = "Request the new certificate and install it on every front end."

[[steps]]
id = "done"
kind = "end"
title = "Renewed"
''',
}
BUNDLED = ["backup-readiness", "data-loss", "hardware-failure", "network-attack",
           "server-software-failure", "software-system-failure"]
OPERATORS = ["ops", "alice", "bob", "li.wei", "zhang.min"]
WORDS = ["web1", "nginx", "disk", "full", "worker", "db2", "postgres", "/var/www", "yes"]
NOTES = ["customer called back", "vendor ticket opened: 4711", "users report it works again",
         "备份已核对", "monitoring shows the error rate falling", "waiting for the storage team"]
CAUSES = ["log partition full", "a runaway batch job", "expired certificate", "disk failure",
          "a bad deploy", "网络攻击", "operator error"]


def run(argv, env, check=True):
    done = subprocess.run(argv, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    if check and done.returncode not in (0, 3):
        sys.exit(f"gen_archive.py: {' '.join(argv[:3])}: exit {done.returncode}\n{done.stderr[-2000:]}")
    return done


def answer(expects, rng):
    """An answer for what an `awaiting` line says it expects."""
    def text(pattern):
        choices = [w for w in WORDS if pattern is None or re.search(pattern, w)]
        return rng.choice(choices or ["x"])

    match = re.match(r"text(?: matching (.*))?$", expects)
    if match:
        return text(match.group(1))
    if expects.startswith("one of: "):
        count = len(re.findall(r"(?:^one of: |, )\d+ \(", expects))
        return str(rng.randint(1, max(count, 1)))
    if expects.startswith("the numbers of the ticked items"):
        n = int(re.search(r"\(1-(\d+)\)", expects).group(1))
        ticked = sorted(rng.sample(range(1, n + 1), rng.randint(0, n)))
        return ",".join(map(str, ticked)) or "none"
    if expects == "yes or no":
        return rng.choice(["yes", "yes", "no"])
    if expects == "done, failed or skip":
        return rng.choice(["done"] * 8 + ["failed", "skip"])
    if expects.startswith("yes to run"):
        return rng.choice(["yes"] * 5 + ["no"])
    if "yes to go to step" in expects:
        return rng.choice(["yes", "no", "no"])
    return "done"


def walk(plan, drill, n, work, env, rng):
    """Walks one incident to its end, one answer per resume; its id."""
    clock = datetime.datetime(2026, 11, 2, 8, tzinfo=datetime.timezone.utc) + datetime.timedelta(days=n)

    def env_now(operator):
        nonlocal clock
        clock += datetime.timedelta(seconds=rng.randint(30, 900))
        return dict(env, RUNBOOK_NOW=clock.strftime("%Y-%m-%dT%H:%M:%SZ"), USER=operator, LOGNAME=operator)

    operator = rng.choice(OPERATORS)
    argv = [BIN, "drill" if drill else "start", plan, "--non-interactive", "--json"]
    if plan in ("server-software-failure",):
        argv += ["--var", "symptom=HTTP 502 since 08:50, reported by the help desk"]
    flags = []
    incident = None
    for _ in range(400):
        # Exit 3: paused for an answer; 1: a step failed, waiting for a retry.
        done = run(argv + flags, env_now(operator), check=False)
        lines = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
        for line in lines:
            if line.get("type") == "incident-started":
                incident = line["payload"]["incident"]
        awaiting = [line for line in lines if line.get("type") == "awaiting"]
        if not awaiting:
            if done.returncode == 0:
                return incident, clock
            sys.exit(f"gen_archive.py: {plan}: exit {done.returncode} without a question\n{done.stderr[-2000:]}")
        wait = awaiting[-1]
        incident = wait["incident"]
        if rng.random() < 0.15:
            run([BIN, "note", incident, rng.choice(NOTES)], env_now(rng.choice(OPERATORS)))
        if rng.random() < 0.2:
            operator = rng.choice(OPERATORS)
        expects = wait["expects"]
        var = re.match(r"a value for `([^`]+)`(?: matching (.*))?$", expects)
        if var:
            flags = ["--var", f"{var.group(1)}={answer('text' + (' matching ' + var.group(2) if var.group(2) else ''), rng)}"]
        else:
            # What to answer is named by the resume line: the step, or the
            # timer whose offer waits.
            key = re.search(r"--answer ([^=\s]+)=ANSWER", wait.get("resume", ""))
            flags = ["--answer", f"{key.group(1) if key else wait['step']}={answer(expects, rng)}"]
        argv = [BIN, "resume", incident, "--non-interactive", "--json"]
    sys.exit(f"gen_archive.py: {plan} did not end; the last question: {wait}")


def templates(root):
    """Real incidents, walked and archived by BIN: (record, journal, kept files)."""
    work = os.path.join(root, "work")
    config = os.path.join(root, "config", "runbook")
    os.makedirs(os.path.join(work, "runbooks"), exist_ok=True)
    os.makedirs(config, exist_ok=True)
    os.chmod(os.path.join(work, "runbooks"), 0o755)
    for name, text in OWN_PLANS.items():
        path = os.path.join(work, "runbooks", f"{name}.toml")
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, 0o644)
    key = os.path.join(config, "signing_key")
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "ops@bench", "-f", key], check=True)
    with open(key + ".pub") as f:
        public = " ".join(f.read().split()[:2])
    with open(os.path.join(config, "allowed_signers"), "w") as f:
        f.write(f'ops@bench namespaces="runbook-incident" {public}\n')
    home = os.path.join(root, "home")
    env = dict(os.environ, XDG_CONFIG_HOME=os.path.join(root, "config"), RUNBOOK_HOME=home,
               HOME=root, LANG="C.UTF-8")
    env.pop("RUNBOOK_CONFIG", None)
    rng = random.Random(4711)
    plans = [(plan, True) for plan in BUNDLED] + [(plan, False) for plan in OWN_PLANS] * 4
    made = []
    os.chdir(work)
    for n, (plan, drill) in enumerate(plans):
        incident, ended = walk(plan, drill, n, work, env, rng)
        filed = ended + datetime.timedelta(seconds=rng.randint(1800, 8 * 3600))
        archive_env = dict(env, RUNBOOK_NOW=filed.strftime("%Y-%m-%dT%H:%M:%SZ"))
        argv = [BIN, "archive", incident, "--cause", rng.choice(CAUSES), "--resolution", "handled as the plan says",
                "--what-happened", f"{plan}: see the timeline"]
        for _ in range(rng.randint(0, 3)):
            argv += ["--follow-up", rng.choice(NOTES)]
        done = run(argv, archive_env, check=False)
        if done.returncode != 0:
            sys.exit(f"gen_archive.py: archive {incident}: exit {done.returncode}\n{done.stderr[-2000:]}")
        made.append(incident)
    found = []
    with open(os.path.join(home, "archive", "index.jsonl"), "rb") as index:
        for line in index:
            entry = json.loads(line)
            archived = entry["archived"]
            path = os.path.join(home, "archive", archived[:4], archived[5:7], entry["id"] + ".json")
            with open(path, "rb") as f:
                record = f.read()
            incident_dir = os.path.join(home, "incidents", entry["id"])
            with open(os.path.join(incident_dir, "journal.jsonl"), "rb") as f:
                journal = f.read()
            with open(os.path.join(incident_dir, "runbook.toml"), "rb") as f:
                runbook = f.read()
            with open(os.path.join(incident_dir, "lock"), "rb") as f:
                lock = f.read()
            found.append(Template(entry, record, journal, runbook, lock))
    return found, key, os.path.join(config, "allowed_signers")


def parse_time(text):
    return datetime.datetime.strptime(text[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=datetime.timezone.utc)


def stamp(time, fraction=b""):
    return time.strftime("%Y-%m-%dT%H:%M:%S").encode() + fraction + b"Z"


class Template:
    """One archived incident, with where in its bytes the values to replace are."""

    def __init__(self, entry, record, journal, runbook, lock):
        self.entry, self.runbook, self.lock = entry, runbook, lock
        self.id = entry["id"].encode()
        self.started = parse_time(entry["started"])
        self.record = record
        self.journal = journal.splitlines(keepends=True)
        value = json.loads(record)
        self.within = value["deadline"]["within_s"]
        # Record values replaced per copy, by position: each (start, end, kind).
        self.spots = []
        for match in TIME.finditer(record):
            self.spots.append((match.start(1), match.end(1), "time"))
        hashes = {}
        for line in self.journal:
            event = json.loads(line)
            hashes[event["hash"].encode()] = event["seq"]
        for old, seq in hashes.items():
            for match in re.finditer(re.escape(old), record):
                self.spots.append((match.start(), match.end(), ("hash", seq)))
        for key in (b'"previous_record":', b'"archived":', b'"on_time":', b'"late_s":'):
            at = record.index(key) + len(key)
            end = at + re.match(rb'null|true|false|-?\d+|"[^"]*"', record[at:]).end()
            self.spots = [spot for spot in self.spots if not (at <= spot[0] < end)]
            self.spots.append((at, end, key.decode().strip('":')))
        self.spots.sort()
        # Journal line times, per line.
        self.line_times = [[(m.start(1), m.end(1)) for m in TIME.finditer(line)] for line in self.journal]


def moved(old, delta, memo):
    """A time string (bytes) moved by `delta` seconds, its fraction kept."""
    new = memo.get(old)
    if new is None:
        epoch = EPOCHS.get(old[:19])
        if epoch is None:
            epoch = EPOCHS[old[:19]] = int(parse_time(old.decode()).timestamp())
        new = memo[old] = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch + delta)).encode() + old[19:]
    return new


EPOCHS = {}


def copy(template, new_id, start, archived):
    """A copy of `template` as incident `new_id` started at `start`: its
    journal lines, and its record's bytes before and after the value of
    `previous_record`, which only the record before it can tell."""
    delta = int((start - template.started).total_seconds())
    memo = {}
    old_id = template.id
    lines, prev, hashes = [], GENESIS, {}
    for line, times in zip(template.journal, template.line_times):
        parts, at = [], 0
        for begin, end in times:
            parts += [line[at:begin], moved(line[begin:end], delta, memo)]
            at = end
        parts.append(line[at:])
        text = b"".join(parts).replace(old_id, new_id)
        body = text[:text.rindex(b',"prev":"')]
        body += b',"prev":"' + prev.encode() + b'"'
        digest = hashlib.sha256(body + b"}").hexdigest()
        lines.append(body + b',"hash":"' + digest.encode() + b'"}\n')
        hashes[int(text[7:text.index(b",")])] = digest
        prev = digest
    ended = parse_time(template.entry["ended"]) + datetime.timedelta(seconds=delta)
    late = int((archived - (ended + datetime.timedelta(seconds=template.within))).total_seconds())
    values = {
        "archived": b'"' + stamp(archived) + b'"',
        "on_time": b"true" if late <= 0 else b"false",
        "late_s": str(max(late, 0)).encode(),
    }
    record = template.record
    done, parts, at = [], [], 0
    for begin, end, kind in template.spots:
        parts.append(record[at:begin])
        if kind == "time":
            parts.append(moved(record[begin:end], delta, memo))
        elif isinstance(kind, tuple):
            parts.append(hashes[kind[1]].encode())
        elif kind == "previous_record":
            done.append(b"".join(parts).replace(old_id, new_id))
            parts = []
        else:
            parts.append(values[kind])
        at = end
    parts.append(record[at:])
    done.append(b"".join(parts).replace(old_id, new_id))
    return lines, done[0], done[1], late


def canonical(value):
    return (json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n").encode()


class Signer:
    def __init__(self, key):
        self.key_path = key
        try:
            from cryptography.hazmat.primitives import serialization
            with open(key, "rb") as f:
                self.key = serialization.load_ssh_private_key(f.read(), password=None)
            raw = self.key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
            self.public = self.string(b"ssh-ed25519") + self.string(raw)
        except ImportError:
            self.key = None

    @staticmethod
    def string(data):
        return struct.pack(">I", len(data)) + data

    def sign(self, path, data):
        if self.key is None:
            subprocess.run(["ssh-keygen", "-q", "-Y", "sign", "-f", self.key_path, "-n", "runbook-incident", path],
                           check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
            os.chmod(path + ".sig", 0o444)
            return
        s = self.string
        signed = b"SSHSIG" + s(b"runbook-incident") + s(b"") + s(b"sha512") + s(hashlib.sha512(data).digest())
        signature = s(b"ssh-ed25519") + s(self.key.sign(signed))
        blob = (b"SSHSIG" + struct.pack(">I", 1) + s(self.public) + s(b"runbook-incident") + s(b"")
                + s(b"sha512") + s(signature))
        text = base64.b64encode(blob).decode()
        armored = "\n".join(text[i:i + 70] for i in range(0, len(text), 70))
        write(path + ".sig", f"-----BEGIN SSH SIGNATURE-----\n{armored}\n-----END SSH SIGNATURE-----\n".encode(), 0o444)


def write(path, data, mode):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)


# Set in main() before the workers fork, which inherit them.
FOUND, PICKS, SIGNER, INCIDENTS = [], [], None, ""


def build(n):
    """Incident n's copy: writes its kept directory, returns its record in
    two parts and its index entry (without the record's sha256)."""
    rng = random.Random(n)
    day, k = divmod(n, PER_DAY)
    start = FIRST_DAY + datetime.timedelta(days=day, seconds=k * (86400 // PER_DAY) + rng.randint(0, 600))
    new_id = f"INC-{start:%Y%m%d}-{k + 1:04d}"
    template = FOUND[PICKS[n]]
    took = parse_time(template.entry["ended"]) - template.started
    # Filed within hours, one in twelve late by a day or more.
    delay = datetime.timedelta(seconds=rng.randint(600, 6 * 3600))
    if rng.random() < 1 / 12:
        delay += datetime.timedelta(seconds=template.within + rng.randint(3600, 5 * 86400))
    archived = start + took + delay
    lines, before, after, late = copy(template, new_id.encode(), start, archived)
    if n >= COUNT - KEEP:
        folder = os.path.join(INCIDENTS, new_id)
        os.mkdir(folder, 0o700)
        write(os.path.join(folder, "journal.jsonl"), b"".join(lines), 0o600)
        write(os.path.join(folder, "runbook.toml"), template.runbook, 0o400)
        write(os.path.join(folder, "lock"), template.lock, 0o600)
    entry = dict(template.entry, id=new_id, archived=stamp(archived).decode(), started=stamp(start).decode(),
                 ended=stamp(start + took).decode(), on_time=late <= 0, late_s=max(late, 0))
    folder = os.path.join(f"{archived:%Y}", f"{archived:%m}")
    return folder, before, after, entry


def sign(jobs):
    for path, record in jobs:
        SIGNER.sign(path, record)


def main():
    global FOUND, PICKS, SIGNER, INCIDENTS
    root = os.path.join(DATA, ".templates")
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(root)
    FOUND, key, signers = templates(root)
    SIGNER = Signer(key)
    archive = os.path.join(DATA, "archive")
    INCIDENTS = os.path.join(DATA, "incidents")
    os.makedirs(archive, mode=0o700, exist_ok=True)
    os.makedirs(INCIDENTS, mode=0o700, exist_ok=True)
    config = os.path.join(DATA, "config", "runbook")
    os.makedirs(config, exist_ok=True)
    for name in (key, key + ".pub", signers):
        shutil.copy(name, config)
    # Most incidents are the short ones, as in life; the bundled plans'
    # drills and the long walks come now and then.
    weights = [1 if t.entry["drill"] else 6 for t in FOUND]
    PICKS = random.Random(1).choices(range(len(FOUND)), weights, k=COUNT)
    previous = None
    made = set()
    signing = []
    block = 20000
    with multiprocessing.get_context("fork").Pool() as pool, \
            open(os.path.join(archive, "index.jsonl"), "wb") as index:
        for first in range(0, COUNT, block):
            jobs = []
            for folder, before, after, entry in pool.map(build, range(first, min(first + block, COUNT)), 200):
                record = before + (b"null" if previous is None else b'"' + previous.encode() + b'"') + after
                previous = entry["sha256"] = hashlib.sha256(record).hexdigest()
                folder = os.path.join(archive, folder)
                if folder not in made:
                    os.makedirs(folder, mode=0o700, exist_ok=True)
                    made.add(folder)
                path = os.path.join(folder, entry["id"] + ".json")
                write(path, record, 0o444)
                index.write(canonical(entry))
                jobs.append((path, record))
            for job in signing:
                job.get()
            signing = [pool.apply_async(sign, (jobs[i:i + 500],)) for i in range(0, len(jobs), 500)]
        for job in signing:
            job.get()
    shutil.rmtree(root, ignore_errors=True)
    print(f"gen_archive.py: {COUNT} records from {len(FOUND)} walked incidents in {archive}, "
          f"{min(KEEP, COUNT)} incident directories kept", file=sys.stderr)


main()
