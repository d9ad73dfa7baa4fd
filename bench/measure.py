"""Timing and memory for the bench/ scripts, imported by their inline Python.

Timings come from hyperfine (-N: no shell in between), run in rounds that
alternate the commands compared, so that a machine whose speed drifts
from minute to minute (a shared VM) slows all of them alike; each command
is summed up by the median of all its runs. Memory is the peak resident
set size that GNU time reports ("Maximum resident set size", %M), the
median of a few runs.
"""
import json
import os
import shlex
import statistics
import subprocess
import tempfile


def times(commands, rounds=5, runs=10, warmup=2, cpus=None, cwd=None):
    """{name: [seconds, ...]} for commands {name: (command, prepare)},
    `prepare` a shell command run before each run (or None). With `cpus`
    ("0"), hyperfine and so the commands it starts run pinned there."""
    found = {name: [] for name in commands}
    pin = ["taskset", "-c", cpus] if cpus else []
    with tempfile.TemporaryDirectory() as tmp:
        for round in range(rounds):
            for name, (command, prepare) in commands.items():
                export = os.path.join(tmp, "times.json")
                argv = pin + ["hyperfine", "-N", "-i", "--style", "none", "--output", "pipe",
                              "--warmup", str(warmup if round == 0 else 1), "--runs", str(runs),
                              "--export-json", export]
                if prepare:
                    # With -N, hyperfine runs it without a shell too.
                    argv += ["--prepare", "sh -c " + shlex.quote(prepare)]
                subprocess.run(argv + [command], check=True, cwd=cwd,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                with open(export) as f:
                    found[name] += json.load(f)["results"][0]["times"]
    return found


def rss_mb(argv, prepare=None, runs=5, cwd=None):
    """The median peak RSS of `argv` in MB (MiB), output thrown away."""
    peaks = []
    with tempfile.TemporaryDirectory() as tmp:
        report = os.path.join(tmp, "rss")
        for _ in range(runs):
            if prepare:
                subprocess.run(prepare, shell=True, check=True, cwd=cwd)
            subprocess.run(["/usr/bin/time", "-f", "%M", "-o", report] + argv, cwd=cwd,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            with open(report) as f:
                peaks.append(int(f.read().split()[-1]))
    return statistics.median(peaks) / 1024


def ms(values):
    return statistics.median(values) * 1000


def spread(values):
    """The middle half of the runs, in ms: how noisy the machine was."""
    q = statistics.quantiles(values, n=4)
    return f"{q[0] * 1000:.1f}..{q[2] * 1000:.1f}"


class Marks:
    """Pass marks, printed as they are judged and summed up at the end."""

    def __init__(self):
        self.missed = []

    def judge(self, what, value, goal, unit, lower_is_better=True):
        met = value <= goal if lower_is_better else value >= goal
        sign = "<=" if lower_is_better else ">="
        print(f"  {what:58} {value:9.2f} {unit:3}  goal {sign} {goal:g} {unit}: {'met' if met else 'MISSED'}")
        if not met:
            self.missed.append(what)
        return met

    def exit_code(self):
        return 1 if self.missed else 0
