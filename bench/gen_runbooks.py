#!/usr/bin/env python3
"""Writes COUNT runbooks of STEPS steps each into DIR, for timing `validate`.

Each runbook uses every step kind, branches, a timer, variables and
contacts, so the loader and the flow checks do their full work. Every
runbook validates, at any STEPS from 2 (`runbook validate` finds no error).
"""
import os
import sys

count, steps, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
if steps < 2:
    sys.exit("gen_runbooks.py: STEPS is at least 2 (an end step and the timer's)")
# The timer's milestone: on the fourth step, or on the end step of a
# runbook that has no fourth step before its end.
found_at = 3 if steps - 2 > 3 else None
os.makedirs(out, exist_ok=True)
os.chmod(out, 0o755)

for n in range(count):
    lines = [
        "schema = 1",
        f'title = {{ en = "Generated plan {n}", zh = "生成的预案 {n}" }}',
        'version = "1"',
        'review_every = "6 months"',
        "last_reviewed = 2026-11-01",
        "",
        "[vars.service]",
        'prompt = { en = "Service", zh = "服务" }',
        'default = "nginx"',
        'pattern = "^[A-Za-z0-9@._-]+$"',
        "",
        "[contacts.vendor]",
        'role = { en = "Vendor", zh = "厂商" }',
        'phone = "+86 10 0000 0000"',
        "",
        "[timers.escalate]",
        'after = "1h"',
        'until = "found"',
        'notify = ["vendor"]',
        'goto = "escalated"',
        "",
    ]
    kinds = ["instruction", "command", "confirm", "checklist", "input", "notify"]
    for i in range(steps - 2):
        kind = kinds[i % len(kinds)]
        lines += ["[[steps]]", f'id = "s{i}"', f'kind = "{kind}"',
                  f'title = {{ en = "Step {i} for {{{{service}}}}", zh = "第 {i} 步" }}',
                  f'body = "Do the thing number {i} carefully and note what you saw."']
        if kind == "command":
            lines += ["run = 'systemctl status \"$SERVICE\" --no-pager'", 'timeout = "30s"',
                      f'on_failure = "s{steps - 3}"']
        elif kind == "confirm":
            # Its yes goes on to the next step: its no must go elsewhere.
            lines += [f'no = "s{steps - 3}"' if i + 1 != steps - 3 else 'no = "escalated"']
        elif kind == "checklist":
            lines += ['items = ["one", { en = "two", zh = "二" }]']
        elif kind == "input":
            lines += [f'var = "answer_{i}"', 'pattern = "^[a-z]+$"']
        elif kind == "notify":
            lines += ['to = ["vendor"]']
        if i == found_at:
            lines.append('milestone = "found"')
        lines.append("")
    lines += ["[[steps]]", f'id = "s{steps - 2}"', 'kind = "end"', 'title = "Resolved"']
    if found_at is None:
        lines.append('milestone = "found"')
    lines += ["",
              "[[steps]]", 'id = "escalated"', 'kind = "end"', 'title = "Escalated"', 'outcome = "escalated"', ""]
    path = os.path.join(out, f"plan-{n:04}.toml")
    with open(path, "w") as f:
        f.write("\n".join(lines))
    os.chmod(path, 0o644)
