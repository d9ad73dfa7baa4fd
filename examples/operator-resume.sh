#!/bin/sh
# What the on-call administrator runs after a monitoring hook (see
# monitoring-hook.sh) opened an incident and it paused, waiting for a person.
#
#   operator-resume.sh                      list open and recent incidents
#   operator-resume.sh INC                  go on with INC: step by step at a
#                                           terminal; without one, say what
#                                           it waits for
#   operator-resume.sh INC --answer STEP=VALUE [--answer ...] [--var K=V]
#                                           answer from the command line,
#                                           never prompting
#
# Use the same RUNBOOK_HOME (or config data_dir) as the hook and `runbook
# check`, or the incident is not found. Each command below works on its own.
set -eu

if [ "$#" -eq 0 ]; then
    # Every open incident, and those ended in the last 7 days: state
    # (paused, running, interrupted, failed, ...), current step, time since
    # it started, and the next timer due. --all for older ones, --json for
    # scripts.
    runbook incidents
    echo
    echo "go on with one: $0 INC   (or: runbook resume INC)"
    exit 0
fi

incident=$1
shift

# Which runbook the incident follows, from `runbook incidents --json` (a
# pretty-printed array; `"runbook"` is the line after `"id"`). With jq:
#   runbook incidents --all --json | jq -r --arg id "$incident" '.[] | select(.id == $id) | .runbook'
runbook_id=$(runbook incidents --all --json | awk -v id="\"id\": \"$incident\"," '
    index($0, id) { getline; sub(/.*"runbook": "/, ""); sub(/",?$/, ""); print; exit }')
if [ -z "$runbook_id" ]; then
    echo "no incident $incident here (RUNBOOK_HOME=${RUNBOOK_HOME:-unset}); see: runbook incidents" >&2
    exit 2
fi

# The plan, step by step, with each step's id and what it expects: what
# --answer STEP=VALUE takes. (--lang zh for the Chinese text.)
echo "== $incident follows $runbook_id; its steps: runbook show $runbook_id"

# While you work, from another shell (also while someone else drives it):
#   runbook note   "$incident" "customer confirmed: no maintenance agreement"
#   runbook attach "$incident" /var/log/nginx/error.log     # kept with its SHA-256
#   runbook abort  "$incident" --reason "false alarm: monitoring probe broken"
# note, attach and abort wait for nobody: they are refused while another
# process drives the incident (add the note at that operator's prompt).

status=0
if [ "$#" -gt 0 ]; then
    # Scripted: the answers come from the command line, checked against the
    # runbook first (exit 2, nothing done, on a mistake); the walk goes on
    # until it ends or reaches a question nobody answered. Examples for
    # server-software-failure's "no maintenance agreement" branch:
    #   --answer intake=2 --answer maintenance-agreement=no --answer restart=yes
    # or all at once: --answers examples/answers-no-agreement.toml
    runbook resume "$incident" --non-interactive "$@" </dev/null || status=$?
elif [ -t 0 ] && [ -t 2 ]; then
    # At a terminal: each question is asked in turn; "Other actions…" at any
    # prompt adds a note, changes the severity, escalates, pauses or aborts.
    # Ctrl-C (or a dropped SSH session) pauses it; run this again to go on.
    # Timers have kept counting since the incident started.
    runbook resume "$incident" || status=$?
else
    # No terminal and no answers: nothing is asked; this shows what the
    # incident waits for (exit 3) and the command that answers it. (It
    # journals a `resumed` and a `paused` event; `runbook incidents` shows
    # the waiting step without touching the journal.)
    runbook resume "$incident" --non-interactive </dev/null || status=$?
fi

case $status in
    0) echo "$incident has ended; write down what happened and file the record within the runbook's archive deadline" ;;
    3) echo "$incident is paused again; the line above says what it waits for" ;;
    1) echo "$incident: a step failed; answer STEP=retry to run it again, or STEP=done to go on" ;;
    4) echo "$incident was aborted" ;;
    130) echo "$incident was interrupted and is paused; run this again to go on" ;;
    2) echo "nothing was done: see the error above" ;;
    *) echo "runbook resume exited $status" ;;
esac >&2
exit "$status"
