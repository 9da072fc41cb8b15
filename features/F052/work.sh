#!/bin/sh
# Stand-in for real work in the example feature: prints what it builds and takes MS milliseconds,
# multiplied by $ONESHOT_EXAMPLE_PACE (default 1) so a run can be slowed down to be interrupted.
# ONESHOT_EXAMPLE_FAIL=<ws_id> makes that workstream fail (exit 1), to see a failure and a resume.
# usage: sh features/F052/work.sh MS "what it builds"
ms=$(( $1 * ${ONESHOT_EXAMPLE_PACE:-1} ))
echo "$ONESHOT_WS_ID: building $2"
sleep "$(( ms / 1000 )).$(printf '%03d' $(( ms % 1000 )))"
if [ "$ONESHOT_WS_ID" = "${ONESHOT_EXAMPLE_FAIL:-}" ]; then
    echo "$ONESHOT_WS_ID: failed: ONESHOT_EXAMPLE_FAIL names it" >&2
    exit 1
fi
echo "$ONESHOT_WS_ID: done"
