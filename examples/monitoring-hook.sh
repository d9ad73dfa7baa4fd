#!/bin/sh
# What a monitoring system runs when an alert fires (a Zabbix action's
# "remote command" or alert script, a Prometheus Alertmanager webhook
# receiver, ...): open an incident from the server-software-failure runbook,
# let it run up to the first question that needs a person, and tell the
# on-call people exactly how to go on.
#
#   monitoring-hook.sh HOST SERVICE SYMPTOM [SEVERITY]
#
#   HOST      the failing server, as the runbook's `host` variable
#             (letters, digits, . _ : -), e.g. Zabbix {HOST.HOST}
#   SERVICE   the failing application service (systemd unit), as the
#             runbook's `service` variable, e.g. nginx; the plan has no
#             default, so that nothing restarts a unit nobody named
#   SYMPTOM   what was seen, e.g. Zabbix "{TRIGGER.NAME} since {EVENT.TIME}"
#   SEVERITY  sev1 (一级, leadership is notified at once), sev2 or sev3;
#             default sev2
#
# Environment:
#   RUNBOOK_HOME          where incidents are kept: the same for this hook,
#                         the operators and `runbook check`
#   RUNBOOK_ID            the runbook to start (default server-software-failure)
#   RUNBOOK_HOOK_LOG_DIR  where the JSON lines of each run are saved
#                         (default /var/tmp/runbook-hook)
#   ONCALL_EMAIL          if set (and `mail` is installed), who gets the
#                         message; otherwise it is only printed
#
# Exit status: 0 when an incident was opened and people were told (runbook's
# own exit 3, "paused, waiting for a person", is the normal case here), 2 when
# the alert's data was refused (nothing was opened), 1 on anything else.
# Without a terminal `runbook` never prompts, so this never hangs.
# HOST is where the plan's commands will run, over ssh from this machine
# (`local` for this one): it is checked before the first step, and the
# journal says whether it answered (`host-checked`).
set -eu

if [ "$#" -lt 3 ] || [ "$#" -gt 4 ]; then
    echo "usage: $0 HOST SERVICE SYMPTOM [SEVERITY]" >&2
    exit 2
fi
host=$1
service=$2
symptom=$3
severity=${4:-sev2}
runbook_id=${RUNBOOK_ID:-server-software-failure}
log_dir=${RUNBOOK_HOOK_LOG_DIR:-/var/tmp/runbook-hook}

# Journals and logs hold what the incident is about: keep them private.
umask 077
mkdir -p "$log_dir"
events=$(mktemp "$log_dir/start.XXXXXX")

# Tell the on-call people. A placeholder: print the message, and mail it when
# ONCALL_EMAIL is set. Replace with your pager, SMS gateway or chat robot.
tell_people() {  # SUBJECT, then the message on stdin
    message=$(cat)
    printf '%s\n%s\n' "$1" "$message"
    if [ -n "${ONCALL_EMAIL:-}" ] && command -v mail >/dev/null 2>&1; then
        printf '%s\n' "$message" | mail -s "$1" "$ONCALL_EMAIL"
    fi
}

# The alert's text reaches the runbook only as --var values: runbook checks
# them against the runbook's patterns (exit 2 before anything is opened) and
# its commands see them as environment variables, never as shell source.
# --json: every journal event as one JSON line on stdout, then a last line
# {"type":"awaiting",...} when the walk stops for a person (see
# docs/journal-format.md). Progress for people goes to stderr: the
# monitoring system's log.
status=0
runbook start "$runbook_id" --non-interactive --json \
    --severity "$severity" \
    --var "host=$host" --var "service=$service" --var "symptom=$symptom" \
    </dev/null >"$events" || status=$?

# The incident id: the first `"incident":"INC-..."` (incident-started, the
# first line). The JSON is compact, and neither field below holds a quote, so
# sed suffices; with jq: jq -r 'select(.type == "awaiting") | .resume'.
incident=$(sed -n 's/.*"incident":"\(INC-[0-9]*-[0-9]*\)".*/\1/p' "$events" | head -n 1)
awaiting=$(grep '"type":"awaiting"' "$events" | tail -n 1 || true)
resume=$(printf '%s\n' "$awaiting" | sed -n 's/.*"resume":"\([^"]*\)".*/\1/p')
step=$(printf '%s\n' "$awaiting" | sed -n 's/.*"step":"\([^"]*\)".*/\1/p')

# Keep the JSON lines under the incident's name for the monitoring record.
if [ -n "$incident" ]; then
    mv "$events" "$log_dir/$incident.jsonl"
    events=$log_dir/$incident.jsonl
fi

case $status in
    3 | 1)
        # 3: paused at a question only a person can answer (the normal case).
        # 1: a step failed and the runbook has no branch for it.
        if [ "$status" -eq 3 ]; then what="waits for a person"; else what="has a FAILED step"; fi
        # `step` is empty when it waits for a variable before the first step.
        if [ -n "$step" ]; then what="$what at step '$step'"; fi
        tell_people "[$incident] $severity: $host: $what" <<EOF
$runbook_id was started for $host: $symptom
Incident $incident $what.

At a terminal, go on step by step:
    runbook resume $incident

From a script, answer the step (the value below is an example;
\`runbook show $runbook_id\` lists what each step takes):
    ${resume:-runbook resume $incident}

Events so far: $events
Open incidents: runbook incidents
EOF
        ;;
    0)
        tell_people "[$incident] $severity: $host: finished without anyone" <<EOF
$runbook_id ran to its end for $host: $symptom
Incident $incident needs no action now; the record is to be archived.
Events: $events
EOF
        ;;
    2)
        rm -f "$events"    # nothing was opened; runbook said why on stderr
        echo "runbook refused the alert's data (host=$host, severity=$severity); no incident was opened" >&2
        exit 2
        ;;
    *)
        echo "runbook start failed (exit $status); events so far: $events" >&2
        if [ -n "$incident" ]; then
            tell_people "[$incident] $host: runbook stopped with exit $status" <<EOF
Incident $incident stopped unexpectedly (exit $status). Look at it:
    runbook incidents
    runbook resume $incident
EOF
        fi
        exit 1
        ;;
esac
