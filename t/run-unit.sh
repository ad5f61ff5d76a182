#!/bin/sh
#
# t/run-unit.sh [-s SUMFILE] BINARY...
#
# Run check unit suites (objs/check_*) and judge each one: it fails when the
# binary exits non-zero, prints no "NN%: Checks: N, Failures: F, Errors: E"
# line, or ran 0 checks.  Prints a line per suite and the totals; with -s,
# also writes "PASSED FAILED" (check counts) into SUMFILE for make check.
# A suite that failed without a failing check counts as one failure.
#
# Environment: UNIT_TIMEOUT (seconds a binary may run, default 600),
# CK_VERBOSITY=verbose shows every suite's output, not only failures'.

usage() {
    echo "usage: $0 [-s SUMFILE] BINARY..." >&2
    exit 2
}

sum=
while getopts s: opt; do
    case $opt in
        s) sum=$OPTARG ;;
        *) usage ;;
    esac
done
shift $((OPTIND - 1))

suites=0
bad=0
checks=0
failures=0
errors=0
passed=0
failed=0

write_sum() {
    if [ -n "$sum" ]; then
        printf '%s %s\n' "$passed" "$failed" >"$sum"
    fi
}

if [ $# -eq 0 ]; then
    echo "run-unit: no unit test binaries (are there t/unit/check_*.c?)" >&2
    failed=1
    write_sum
    exit 1
fi

# The summary line is what this script reads: never let it be silenced.
case ${CK_VERBOSITY-} in
    silent|minimal) CK_VERBOSITY=normal ;;
esac
if [ -n "${CK_VERBOSITY-}" ]; then
    export CK_VERBOSITY
fi

timeout_cmd=
if command -v timeout >/dev/null 2>&1; then
    timeout_cmd="timeout ${UNIT_TIMEOUT:-600}"
fi

out=$(mktemp "${TMPDIR:-/tmp}/run-unit.XXXXXX") || exit 1
trap 'rm -f "$out"' EXIT
trap 'exit 1' HUP INT TERM

echo "unit suites:"
for bin in "$@"; do
    case $bin in
        */*) cmd=$bin ;;
        *) cmd=./$bin ;;
    esac
    name=${bin##*/}
    suites=$((suites + 1))

    # shellcheck disable=SC2086
    $timeout_cmd "$cmd" >"$out" 2>&1
    rc=$?

    line=$(grep -E \
        '^[0-9]+%: Checks: [0-9]+, Failures: [0-9]+, Errors: [0-9]+' \
        "$out" | tail -n 1)
    c=0
    f=0
    e=0
    if [ -n "$line" ]; then
        read -r c f e <<EOF
$(printf '%s\n' "$line" | sed -E \
    's/.*Checks: ([0-9]+), Failures: ([0-9]+), Errors: ([0-9]+).*/\1 \2 \3/')
EOF
    fi

    reason=
    if [ $rc -eq 124 ] && [ -n "$timeout_cmd" ]; then
        reason="timed out after ${UNIT_TIMEOUT:-600}s"
    elif [ $rc -gt 128 ]; then
        reason="killed by signal $((rc - 128))"
    elif [ $rc -ne 0 ]; then
        reason="exit status $rc"
    fi
    if [ -z "$line" ]; then
        reason="${reason:+$reason, }no \"Checks: N\" summary line"
    elif [ "$c" -eq 0 ]; then
        reason="${reason:+$reason, }ran 0 checks"
    elif [ $((f + e)) -ne 0 ]; then
        reason="${reason:+$reason, }$f failures, $e errors"
    fi

    checks=$((checks + c))
    failures=$((failures + f))
    errors=$((errors + e))
    passed=$((passed + c - f - e))

    if [ -z "$reason" ]; then
        if [ "${CK_VERBOSITY-}" = verbose ]; then
            sed 's/^/    /' "$out"
        fi
        printf '  PASS  %s: %s checks\n' "$name" "$c"
        failed=$((failed + f + e))
    else
        sed 's/^/    /' "$out"
        printf '  FAIL  %s: %s\n' "$name" "$reason"
        bad=$((bad + 1))
        if [ $((f + e)) -eq 0 ]; then
            failed=$((failed + 1))
        else
            failed=$((failed + f + e))
        fi
    fi
done

printf 'unit total: %s suites, %s checks, %s failures, %s errors' \
    "$suites" "$checks" "$failures" "$errors"
if [ $bad -eq 0 ]; then
    printf ' (ok)\n'
else
    printf ' (%s of %s suites FAILED)\n' "$bad" "$suites"
fi

write_sum
if [ $bad -ne 0 ]; then
    exit 1
fi
exit 0
