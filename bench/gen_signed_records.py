#!/usr/bin/env python3
"""Writes N signed, chained records into DATA_DIR/archive, cloned from one
real record that `runbook archive` made (TEMPLATE), each signed with
`ssh-keygen -Y sign` (namespace runbook-incident) by KEY. Records are made
canonical as docs/record-format.md says (Python's json with sort_keys and
compact separators is exactly the canonical form). Signing runs one
ssh-keygen per record, JOBS at a time. Usage:
gen_signed_records.py N DATA_DIR TEMPLATE KEY [JOBS]
"""
import concurrent.futures, datetime, hashlib, json, os, subprocess, sys

count, data, template, key = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
jobs = int(sys.argv[5]) if len(sys.argv) > 5 else os.cpu_count() or 4
archive = os.path.join(data, "archive")
os.makedirs(archive, mode=0o700, exist_ok=True)
base = json.load(open(template, encoding="utf-8"))
start = datetime.datetime(2026, 11, 1, tzinfo=datetime.timezone.utc)


def canonical(value):
    return (json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n").encode()


def stamp(time):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ")


previous = None
paths = []
with open(os.path.join(archive, "index.jsonl"), "wb") as index:
    for n in range(count):
        # 1,000 a day from 1 November: ids stay within their day's 4 digits.
        day, k = divmod(n, 1000)
        archived = start + datetime.timedelta(days=day, seconds=60 * k + 30)
        record = dict(base)
        record["incident"] = f"INC-{archived:%Y%m%d}-{k + 1:04d}"
        record["archived"] = stamp(archived)
        record["previous_record"] = previous
        body = canonical(record)
        sha = hashlib.sha256(body).hexdigest()
        folder = os.path.join(archive, f"{archived:%Y}", f"{archived:%m}")
        os.makedirs(folder, mode=0o700, exist_ok=True)
        path = os.path.join(folder, record["incident"] + ".json")
        with open(path, "wb") as out:
            out.write(body)
        paths.append(path)
        entry = {
            "id": record["incident"],
            "archived": record["archived"],
            "runbook": record["runbook"]["id"],
            "severity": record["severity"],
            "outcome": record["outcome"],
            "started": record["started"],
            "ended": record["ended"],
            "duration_s": record["duration_s"],
            "on_time": record["deadline"]["on_time"],
            "late_s": record["deadline"]["late_s"],
            "drill": record["drill"],
            "sha256": sha,
        }
        index.write(canonical(entry))
        previous = sha


def sign(path):
    subprocess.run(["ssh-keygen", "-q", "-Y", "sign", "-f", key, "-n", "runbook-incident", path],
                   check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    os.chmod(path, 0o444)
    os.chmod(path + ".sig", 0o444)


with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
    list(pool.map(sign, paths))
print(f"{count} records signed in {archive}", file=sys.stderr)
