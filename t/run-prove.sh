#!/bin/sh
#
# t/run-prove.sh [-s SUMFILE] PROVE [PROVE-ARGUMENTS...] TEST...
#
# Run prove, showing its output as it goes, and judge the run: it fails when
# prove fails or when it ran 0 tests.  With -s, writes "PASSED FAILED"
# (subtests) into SUMFILE for make check.  A test file that failed without
# a failing subtest (died, bad plan, non-zero exit) counts as one failure.

usage() {
    echo "usage: $0 [-s SUMFILE] PROVE [ARGUMENTS...]" >&2
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
[ $# -gt 0 ] || usage

tmp=$(mktemp -d "${TMPDIR:-/tmp}/run-prove.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

{
    "$@"
    echo $? >"$tmp/rc"
} 2>&1 | tee "$tmp/out"

rc=$(cat "$tmp/rc" 2>/dev/null)
rc=${rc:-1}

# "Files=3, Tests=42, ..." holds the subtests run; each failed file has a
# "t/x.t (Wstat: 256 (exited 1) Tests: 5 Failed: 1)" line in the summary.
read -r seen tests failed_subtests failed <<EOF
$(awk '
    /^Files=[0-9]+, Tests=[0-9]+/ {
        t = $2
        sub(/^Tests=/, "", t)
        sub(/,.*/, "", t)
        tests = t + 0
        seen = 1
    }
    /\(Wstat: [0-9]+.* Tests: [0-9]+ Failed: [0-9]+\)$/ {
        n = $0
        sub(/.* Failed: /, "", n)
        sub(/\)$/, "", n)
        subtests += n
        files += (n + 0 > 0) ? n : 1
    }
    END { printf "%d %d %d %d\n", seen, tests, subtests, files }
' "$tmp/out")
EOF

status=0
if [ "$rc" -ne 0 ]; then
    status=1
fi
if [ "$seen" -eq 0 ]; then
    echo "run-prove: prove printed no \"Files=N, Tests=N\" summary" >&2
    status=1
elif [ "$tests" -eq 0 ]; then
    echo "run-prove: prove ran 0 tests" >&2
    status=1
fi

passed=$((tests - failed_subtests))
if [ $passed -lt 0 ]; then
    passed=0
fi
if [ $status -ne 0 ] && [ "$failed" -eq 0 ]; then
    failed=1
fi

printf 'prove total: %s subtests, %s failing\n' "$tests" "$failed"
if [ -n "$sum" ]; then
    printf '%s %s\n' "$passed" "$failed" >"$sum"
fi
exit $status
