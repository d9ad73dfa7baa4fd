#!/usr/bin/env python3
"""Writes the runbooks bench/walk times into DIR.

DIR/start/runbooks/gen200.toml: 200 command steps running `true`, then an
end step; `runbook start gen200 --non-interactive` walks it unattended.

DIR/resume/runbooks/loop.toml: a command step and a confirm going back to
it; answered yes N-1 times it journals 5 events a round and pauses at the
Nth confirm, which leaves an incident for `runbook resume` to replay.
"""
import os
import sys

out = sys.argv[1]


def write(path, lines):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    for d in (os.path.dirname(path), os.path.dirname(os.path.dirname(path))):
        os.chmod(d, 0o755)
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    os.chmod(path, 0o644)


lines = ["schema = 1", 'title = "Two hundred commands"', ""]
for i in range(200):
    lines += ["[[steps]]", f'id = "c{i:03}"', 'kind = "command"', f'title = "Command {i}"',
              'run = "true"', 'timeout = "10s"', ""]
lines += ["[[steps]]", 'id = "done"', 'kind = "end"', 'title = "Done"']
write(os.path.join(out, "start", "runbooks", "gen200.toml"), lines)

write(os.path.join(out, "resume", "runbooks", "loop.toml"), [
    "schema = 1",
    'title = "Check until fine"',
    "",
    "[[steps]]",
    'id = "check"',
    'kind = "command"',
    'title = "Check the service"',
    "run = 'echo \"service answered in 12 ms\"'",
    'timeout = "10s"',
    'next = "again"',
    "",
    "[[steps]]",
    'id = "again"',
    'kind = "confirm"',
    'title = "Check again?"',
    'yes = "check"',
    'no = "done"',
    "",
    "[[steps]]",
    'id = "done"',
    'kind = "end"',
    'title = "Done"',
])
