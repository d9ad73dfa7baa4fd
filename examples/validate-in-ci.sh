#!/bin/sh
# Fail a CI job when any runbook in the repository is invalid, and keep the
# diagnostics as a JSON artifact for the merge request.
set -eu
status=0
runbook validate --json runbooks/ > runbook-diagnostics.json || status=$?
if [ "$status" -ne 0 ]; then
    runbook validate runbooks/    # the readable form, in the job log
fi
exit "$status"
