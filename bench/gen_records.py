#!/usr/bin/env python3
"""Writes DATA_DIR/archive/index.jsonl with N canonical index lines.

`runbook records` reads only the index, so the record files themselves are
not made (`runbook verify` would report them missing). Usage:
gen_records.py N DATA_DIR
"""
import datetime, hashlib, json, os, sys

count, data = int(sys.argv[1]), sys.argv[2]
archive = os.path.join(data, "archive")
os.makedirs(archive, mode=0o700, exist_ok=True)
runbooks = ["disk-full", "nginx-down", "data-loss", "hardware-failure", "backup-readiness"]
outcomes = ["resolved", "resolved", "resolved", "handed-over", "escalated", "aborted"]
base = datetime.datetime(2020, 1, 1, tzinfo=datetime.timezone.utc)


def stamp(time):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ")


with open(os.path.join(archive, "index.jsonl"), "w", encoding="utf-8") as index:
    for n in range(count):
        # About 15 incidents a day; ids number within their start day.
        started = base + datetime.timedelta(minutes=97 * n)
        duration = 300 + (n * 7919) % 20000
        ended = started + datetime.timedelta(seconds=duration)
        late = 0 if n % 10 else (n * 31) % 200000
        archived = ended + datetime.timedelta(hours=3, seconds=late and 86400 + late)
        day_number = (97 * n) % 1440 // 97 + 1
        entry = {
            "id": f"INC-{started:%Y%m%d}-{day_number:04d}",
            "archived": stamp(archived),
            "started": stamp(started),
            "ended": stamp(ended),
            "runbook": runbooks[n % len(runbooks)],
            "severity": f"sev{1 + n % 4}",
            "outcome": outcomes[n % len(outcomes)],
            "duration_s": duration,
            "on_time": late == 0,
            "late_s": late,
            "drill": n % 13 == 0,
            "sha256": hashlib.sha256(str(n).encode()).hexdigest(),
        }
        index.write(json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n")
