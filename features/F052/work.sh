#!/bin/sh
# Stand-in for real work in the example feature: prints what it builds and takes MS milliseconds,
# multiplied by $ONESHOT_EXAMPLE_PACE (default 1) so a run can be slowed down to be interrupted.
# usage: sh features/F052/work.sh MS "what it builds"
ms=$(( $1 * ${ONESHOT_EXAMPLE_PACE:-1} ))
echo "$ONESHOT_WS_ID: building $2"
sleep "$(( ms / 1000 )).$(printf '%03d' $(( ms % 1000 )))"
echo "$ONESHOT_WS_ID: done"
