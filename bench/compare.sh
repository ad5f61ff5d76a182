#!/usr/bin/env bash
# bench/compare.sh: kevyd and redis-server side by side under redis-benchmark.
#
# Starts a kevyd and a redis-server on free loopback ports (each in its own
# temporary directory; redis without persistence), runs the same
# redis-benchmark workloads against both, interleaved (kevyd run, redis run,
# kevyd run, ...), repeats them, and prints the medians as a table of
# ops/s and server CPU time per request with kevyd/redis ratios; then
# callgrind instructions per request, memory per key and the load average.
# With --vs-workers N the second server is another kevyd with N workers
# instead of a redis-server (throughput and CPU only).
# See bench/README; "bench/compare.sh -h" lists the options.
#
# Every server it starts is killed on exit (trap), every wait is bounded.

set -u
set -o pipefail
export LC_ALL=C

PROG=${0##*/}
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)

KEVYD=${KEVYD:-$REPO/objs/kevyd}
REDIS_SERVER=${REDIS_SERVER:-redis-server}
REDIS_BENCHMARK=${REDIS_BENCHMARK:-redis-benchmark}
REDIS_CLI=${REDIS_CLI:-redis-cli}

usage() {
    cat <<EOF
usage: $PROG [options]

Run redis-benchmark against kevyd and redis-server side by side and print
the medians, with kevyd/redis ratios.

  -w N            kevyd worker-processes (default 1)
  --vs-workers N  compare against a second kevyd with N worker-processes
                  (same backend, options and pinning) instead of a
                  redis-server: ratios are (-w N)/(--vs-workers N); no
                  memory or callgrind sections. E.g. -w 2 --vs-workers 1:
                  are more workers no slower than fewer on this machine?
  --no-spin       start kevyd with "worker-spin = false;": its workers
                  never busy-wait for work, so its CPU per request at -P 1
                  is what the requests cost (comparable to redis-server's)
  -b BACKEND      kevyd io-backend: auto, io_uring or epoll (default: the
                  config default, "auto")
  -n N            requests per run (default 100000; the -P 16 runs send 4N)
  -r N            repeats of every run; the median is printed (default 5)
  -c N            redis-benchmark clients (default 50)
  --pin           taskset: kevyd (all its processes) and redis-server on
                  CPU 0, redis-benchmark on CPU 1
  --quick         smoke run: -n 5000 -r 1, 2000 requests under callgrind,
                  10000 keys for the memory line (explicit -n/-r still win)
  --no-callgrind  skip the callgrind instructions-per-request runs (slow)
  --no-memory     skip the memory-per-key line
  -m N            keys for the memory line (default 1000000)
  --mem-types T   types for the memory lines, comma-separated, or "all":
                  string (16-byte values), hash (3 fields), set (3
                  members), intset (3 integers), zset (3 members), list
                  (3 elements); default string
  -o              also write the output to bench/results/<date>.txt
  --keep          keep the temporary directory (logs, callgrind files);
                  it is always kept when kevyd failed
  -h, --help      this help

Environment: KEVYD (default objs/kevyd), REDIS_SERVER, REDIS_BENCHMARK,
REDIS_CLI (defaults: found in PATH).

Exit status: 0; 1 if a server could not be started or a tool is missing;
2 if a kevyd failed a run (other than an unknown command, reported "n/a"),
stopped answering, or logged a worker crash or an error.
EOF
}

die() { printf '%s: %s\n' "$PROG" "$*" >&2; exit 1; }
note() { printf '%s\n' "$*" >&2; }

# ------------------------------------------------------------------ options

WORKERS=1
BACKEND=
REQUESTS=
REPEATS=
CLIENTS=50
PIN=0
QUICK=0
CALLGRIND=1
MEMORY=1
MEM_KEYS=
MEM_TYPES=string
OUTPUT=0
KEEP=0
SPIN=1
VS_WORKERS=

need_arg() { if [ "$#" -lt 2 ] || [ -z "$2" ]; then die "option $1 needs an argument"; fi; }
need_int() { case $2 in ''|*[!0-9]*) die "option $1: not a positive integer: $2";; esac
             [ "$2" -gt 0 ] || die "option $1: must be at least 1"; }

while [ "$#" -gt 0 ]; do
    case $1 in
        -w) need_arg "$@"; need_int "$1" "$2"; WORKERS=$2; shift 2 ;;
        --vs-workers) need_arg "$@"; need_int "$1" "$2"; VS_WORKERS=$2; shift 2 ;;
        --no-spin) SPIN=0; shift ;;
        -b) need_arg "$@"; BACKEND=$2; shift 2 ;;
        -n) need_arg "$@"; need_int "$1" "$2"; REQUESTS=$2; shift 2 ;;
        -r) need_arg "$@"; need_int "$1" "$2"; REPEATS=$2; shift 2 ;;
        -c) need_arg "$@"; need_int "$1" "$2"; CLIENTS=$2; shift 2 ;;
        -m) need_arg "$@"; need_int "$1" "$2"; MEM_KEYS=$2; shift 2 ;;
        --mem-types) need_arg "$@"; MEM_TYPES=$2; shift 2 ;;
        --pin) PIN=1; shift ;;
        --quick) QUICK=1; shift ;;
        --no-callgrind) CALLGRIND=0; shift ;;
        --no-memory) MEMORY=0; shift ;;
        -o) OUTPUT=1; shift ;;
        --keep) KEEP=1; shift ;;
        -h|--help|-\?) usage; exit 0 ;;
        *) usage >&2; exit 1 ;;
    esac
done

case $BACKEND in
    ''|auto|io_uring|epoll) ;;
    *) die "-b: io-backend must be auto, io_uring or epoll, not \"$BACKEND\"" ;;
esac

if [ "$QUICK" = 1 ]; then
    : "${REQUESTS:=5000}" "${REPEATS:=1}" "${MEM_KEYS:=10000}"
    CG_REQUESTS=2000
else
    : "${REQUESTS:=100000}" "${REPEATS:=5}" "${MEM_KEYS:=1000000}"
    CG_REQUESTS=20000
fi
KEYSPACE=100000          # redis-benchmark -r

# The two servers: A is the kevyd, B the redis-server or, with
# --vs-workers, the baseline kevyd. Result files and variables keep the
# names kevyd (A) and redis (B); A_NAME and B_NAME are what the report says.
plural() { if [ "$1" = 1 ]; then echo "1 $2"; else echo "$1 $2s"; fi; }
if [ -n "$VS_WORKERS" ]; then
    A_NAME=kevyd-w$WORKERS
    B_NAME=kevyd-w$VS_WORKERS
    if [ "$A_NAME" = "$B_NAME" ]; then A_NAME=$A_NAME-a B_NAME=$B_NAME-b; fi
else
    A_NAME=kevyd
    B_NAME=redis
fi
# Widths of the report's columns: the defaults, widened for longer names.
NAMEW=$(( ${#A_NAME} > ${#B_NAME} ? ${#A_NAME} : ${#B_NAME} ))
RPSW=$(( NAMEW + 3 > 10 ? NAMEW + 3 : 10 ))
USW=$(( NAMEW + 3 > 9 ? NAMEW + 3 : 9 ))
LABW=$(( NAMEW > 5 ? NAMEW : 5 ))
PIPE_MULT=4              # -P 16 runs send PIPE_MULT * REQUESTS requests
CLK_TCK=$(getconf CLK_TCK 2>/dev/null) || CLK_TCK=100
NCPU=$(nproc 2>/dev/null) || NCPU=1

# ------------------------------------------------------------------ checks

[ -x "$KEVYD" ] || die "$KEVYD not found or not executable: run make first (or set KEVYD)"
TOOLS=("$REDIS_BENCHMARK" "$REDIS_CLI" timeout setsid pgrep awk)
[ -z "$VS_WORKERS" ] && TOOLS=("$REDIS_SERVER" "${TOOLS[@]}")
for t in "${TOOLS[@]}"; do
    command -v "$t" >/dev/null 2>&1 || die "$t not found (Debian: apt-get install redis-server redis-tools procps coreutils util-linux)"
done
if [ "$PIN" = 1 ]; then
    command -v taskset >/dev/null 2>&1 || die "--pin needs taskset (util-linux)"
    [ "$NCPU" -ge 2 ] || die "--pin needs 2 CPUs, this machine has $NCPU"
    SRV_WRAP=(taskset -c 0)
    BENCH_WRAP=(taskset -c 1)
else
    SRV_WRAP=()
    BENCH_WRAP=()
fi
if [ "$CALLGRIND" = 1 ] && [ -z "$VS_WORKERS" ]; then
    command -v valgrind >/dev/null 2>&1 ||
        die "valgrind not found (apt-get install valgrind), or use --no-callgrind"
fi

# ------------------------------------------------------------------ temp dir, cleanup

TMP=$(mktemp -d "${TMPDIR:-/tmp}/kevyd-bench.XXXXXX") || die "mktemp failed"
STARTED=()         # pids (and process groups: setsid) of every server started
PROBLEMS=$TMP/problems
KEVYD_FAILED=0
: > "$PROBLEMS"

# A process exists and is not a zombie.
running() {
    local st
    [ -r "/proc/$1/stat" ] || return 1
    st=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    st=${st##*) }
    [ "${st%% *}" != Z ] && [ "${st%% *}" != X ]
}

# Wait at most $2 seconds (tenths allowed) for pid $1 to exit; reap it.
wait_exit() {
    local pid=$1 tenths
    tenths=$(awk -v s="$2" 'BEGIN { printf "%d", s * 10 }')
    while [ "$tenths" -gt 0 ] && running "$pid"; do
        sleep 0.1
        tenths=$((tenths - 1))
    done
    if running "$pid"; then return 1; fi
    wait "$pid" 2>/dev/null
    return 0
}

# Stop the server whose process group is $1: TERM, wait up to $2 seconds,
# then KILL the whole group.
stop_group() {
    local pid=$1 grace=${2:-10}
    if running "$pid"; then
        kill -TERM "$pid" 2>/dev/null
        if ! wait_exit "$pid" "$grace"; then
            note "$PROG: pid $pid did not stop in ${grace}s: killing its process group"
            kill -KILL -- "-$pid" 2>/dev/null
            wait_exit "$pid" 5 || true
        fi
    fi
    # Whatever is left of the group (a worker the master lost).
    if pgrep -g "$pid" > /dev/null 2>&1; then kill -KILL -- "-$pid" 2>/dev/null; fi
    forget "$pid"
    return 0
}

# Drop a stopped server from STARTED, so cleanup never signals a reused pid.
forget() {
    local p keep=()
    for p in "${STARTED[@]}"; do
        [ "$p" = "$1" ] || keep+=("$p")
    done
    STARTED=("${keep[@]}")
}

# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
    local pid
    trap - EXIT INT TERM HUP
    if [ -n "${CHILD:-}" ]; then kill -TERM "$CHILD" 2>/dev/null; fi
    for pid in "${STARTED[@]}"; do
        stop_group "$pid" 5
    done
    if [ "$KEEP" = 1 ] || [ "$KEVYD_FAILED" = 1 ]; then
        note "$PROG: kept $TMP (server logs and configurations)"
    else
        rm -rf "$TMP"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

problem() { printf '%s\n' "$*" >> "$PROBLEMS"; note "$PROG: $*"; }

# ------------------------------------------------------------------ output

OUTFILE=
if [ "$OUTPUT" = 1 ]; then
    mkdir -p "$HERE/results" || die "cannot create $HERE/results"
    OUTFILE=$HERE/results/$(date +%Y-%m-%d).txt
    i=2
    while [ -e "$OUTFILE" ]; do
        OUTFILE=$HERE/results/$(date +%Y-%m-%d)-$i.txt
        i=$((i + 1))
    done
fi

out() {
    printf '%s\n' "$*"
    if [ -n "$OUTFILE" ]; then printf '%s\n' "$*" >> "$OUTFILE"; fi
}
outf() {
    # shellcheck disable=SC2059 # the format is the caller's
    out "$(printf "$@")"
}

# ------------------------------------------------------------------ helpers

# A loopback TCP port nobody listens on now.
free_port() {
    local p tries=0
    if command -v perl >/dev/null 2>&1; then
        p=$(perl -MIO::Socket::INET -e '
            my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1",
                LocalPort => 0, Proto => "tcp", Listen => 1) or exit 1;
            print $s->sockport, "\n";' 2>/dev/null) && [ -n "$p" ] &&
            { echo "$p"; return 0; }
    fi
    while [ "$tries" -lt 100 ]; do
        p=$((20000 + RANDOM % 40000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
            echo "$p"
            return 0
        fi
        tries=$((tries + 1))
    done
    return 1
}

# bounded SECS OUT ERR COMMAND...: run COMMAND with a time limit, in the
# background so that a signal to this script is handled at once (cleanup
# kills it); its exit status (124: timed out).
CHILD=
bounded() {
    local secs=$1 o=$2 e=$3 rc
    shift 3
    if [ "$o" = "$e" ]; then
        timeout "$secs" "$@" > "$o" 2>&1 < /dev/null &
    else
        timeout "$secs" "$@" > "$o" 2> "$e" < /dev/null &
    fi
    CHILD=$!
    wait "$CHILD"
    rc=$?
    CHILD=
    return "$rc"
}

cli() {
    local port=$1
    shift
    timeout --foreground 30 "$REDIS_CLI" -h 127.0.0.1 -p "$port" "$@" 2>&1
}

# Poll PING until PONG, at most $2 seconds, while pid $3 lives.
wait_ping() {
    local port=$1 deadline=$((SECONDS + $2 + 1)) pid=$3
    while [ "$SECONDS" -lt "$deadline" ]; do
        running "$pid" || return 1
        if [ "$(timeout --foreground 5 "$REDIS_CLI" -h 127.0.0.1 -p "$port" PING 2>/dev/null)" = PONG ]; then
            return 0
        fi
        sleep 0.05
    done
    return 1
}

# utime+stime (+ those of reaped children) of a process, in clock ticks.
proc_ticks() {
    local st f
    st=$(cat "/proc/$1/stat" 2>/dev/null) || { echo 0; return; }
    st=${st##*) }
    read -r -a f <<< "$st"
    # after "pid (comm) ": f[0] = state (field 3), utime = field 14 = f[11]
    echo $(( f[11] + f[12] + f[13] + f[14] ))
}

children() { pgrep -P "$1" 2>/dev/null; }

# CPU ticks of a server: the process and its live children (kevyd's
# workers); children already reaped are in the parent's cutime/cstime.
server_ticks() {
    local pid=$1 total c
    total=$(proc_ticks "$pid")
    for c in $(children "$pid"); do
        total=$((total + $(proc_ticks "$c")))
    done
    echo "$total"
}

# VmRSS in kB of the listed pids, summed.
rss_kb() {
    local total=0 p v
    for p in "$@"; do
        v=$(awk '/^VmRSS:/ { print $2 }' "/proc/$p/status" 2>/dev/null)
        total=$((total + ${v:-0}))
    done
    echo "$total"
}

info_field() {  # port field
    cli "$1" INFO memory | tr -d '\r' | awk -F: -v f="$2" '$1 == f { print $2 }'
}

# ------------------------------------------------------------------ servers

# start_kevyd NAME WORKERS [wrapper...]: sets K_PID, K_PORT, K_DIR.
start_kevyd() {
    local name=$1 workers=$2 pid tmo=15 try
    shift 2
    K_DIR=$TMP/$name
    mkdir -p "$K_DIR"
    case " $* " in *" valgrind "*) tmo=120 ;; esac
    for try in 1 2 3; do
        K_PORT=$(free_port) || die "no free port"
        {
            printf 'port = %s;\nbind = "127.0.0.1";\n' "$K_PORT"
            printf 'worker-processes = %s;\n' "$workers"
            printf 'pidfile = "%s/kevyd.pid";\n' "$K_DIR"
            printf 'logfile = "%s/kevyd.log";\n' "$K_DIR"
            printf 'dir = "%s";\nloglevel = "notice";\n' "$K_DIR"
            printf 'shutdown-timeout = %s;\n' "$tmo"
            if [ -n "$BACKEND" ]; then printf 'io-backend = "%s";\n' "$BACKEND"; fi
            if [ "$SPIN" = 0 ]; then printf 'worker-spin = false;\n'; fi
        } > "$K_DIR/kevy.conf"
        setsid "$@" "$KEVYD" -c "$K_DIR/kevy.conf" \
            < /dev/null >> "$K_DIR/stdout.log" 2>> "$K_DIR/stderr.log" &
        pid=$!
        STARTED+=("$pid")
        if wait_ping "$K_PORT" "$tmo" "$pid"; then
            K_PID=$pid
            return 0
        fi
        stop_group "$pid" 5
        note "$PROG: kevyd ($name) did not start on port $K_PORT (try $try):"
        tail -n 5 "$K_DIR/kevyd.log" "$K_DIR/stderr.log" >&2 2>/dev/null
    done
    die "kevyd would not start; see above (configuration: $K_DIR/kevy.conf)"
}

# start_redis NAME [wrapper...]: sets R_PID, R_PORT, R_DIR.
start_redis() {
    local name=$1 pid tmo=15 try
    shift
    R_DIR=$TMP/$name
    mkdir -p "$R_DIR"
    case " $* " in *" valgrind "*) tmo=120 ;; esac
    for try in 1 2 3; do
        R_PORT=$(free_port) || die "no free port"
        setsid "$@" "$REDIS_SERVER" --port "$R_PORT" --bind 127.0.0.1 \
            --save '' --appendonly no --daemonize no --dir "$R_DIR" \
            --logfile "$R_DIR/redis.log" --pidfile "$R_DIR/redis.pid" \
            < /dev/null >> "$R_DIR/stdout.log" 2>&1 &
        pid=$!
        STARTED+=("$pid")
        if wait_ping "$R_PORT" "$tmo" "$pid"; then
            R_PID=$pid
            return 0
        fi
        stop_group "$pid" 5
        note "$PROG: redis-server ($name) did not start on port $R_PORT (try $try):"
        tail -n 5 "$R_DIR/redis.log" "$R_DIR/stdout.log" >&2 2>/dev/null
    done
    die "redis-server would not start; see above"
}

# start_b NAME [wrapper...]: the second server, B: a redis-server, or
# with --vs-workers a kevyd with VS_WORKERS workers. Sets R_PID, R_PORT,
# R_DIR; K_PID, K_PORT, K_DIR are left as they were.
start_b() {
    local name=$1 kpid=${K_PID:-} kport=${K_PORT:-} kdir=${K_DIR:-}
    shift
    if [ -z "$VS_WORKERS" ]; then
        start_redis "$name" "$@"
        return
    fi
    start_kevyd "$name" "$VS_WORKERS" "$@"
    R_PID=$K_PID R_PORT=$K_PORT R_DIR=$K_DIR
    K_PID=$kpid K_PORT=$kport K_DIR=$kdir
}

kevyd_backend() {  # from "worker 0 ready (io_uring)"
    sed -n 's/.*worker [0-9]* ready (\([a-z_]*\)).*/\1/p' "$1/kevyd.log" 2>/dev/null | head -n 1
}

# Problems kevyd logged (errors, crashes), once per log file.
check_kevyd_log() {
    local log=$1/kevyd.log bad
    [ -r "$log" ] || return 0
    bad=$(grep -E '\[(emerg|alert|crit|error)\]|exited on signal|exited with code [1-9]' "$log" | head -n 10)
    if [ -n "$bad" ]; then
        KEVYD_FAILED=1
        problem "kevyd log $log:"
        printf '%s\n' "$bad" | sed 's/^/    /' | tee -a "$PROBLEMS" >&2
    fi
}

# ------------------------------------------------------------------ benchmark runs

# name | redis-benchmark test | -P | probe command (run on kevyd first;
# an unknown-command answer makes the workload n/a for kevyd)
WORKLOADS=(
    "SET -P 1|set|1|"
    "GET -P 1|get|1|"
    "SET -P 16|set|16|"
    "GET -P 16|get|16|"
    "INCR|incr|1|"
    "LPUSH|lpush|1|LPUSH bench:probe:list x"
    "HSET|hset|1|HSET bench:probe:hash f v"
    "MSET (10 keys)|mset|1|"
)

# bench_run PORT PID TEST PIPELINE REQUESTS RESULTFILE: one redis-benchmark
# run; writes "rps us_per_req" or "n/a msg" or "err msg" to RESULTFILE.
bench_run() {
    local port=$1 pid=$2 test=$3 pipe=$4 n=$5 res=$6 t0 t1 rc rps us msg limit
    limit=$((60 + n / 1000))
    t0=$(server_ticks "$pid")
    bounded "$limit" "$TMP/bench.out" "$TMP/bench.err" \
        "${BENCH_WRAP[@]}" "$REDIS_BENCHMARK" -h 127.0.0.1 -p "$port" \
        -c "$CLIENTS" -r "$KEYSPACE" -n "$n" -P "$pipe" -t "$test" --csv
    rc=$?
    t1=$(server_ticks "$pid")
    rps=$(sed -n 2p "$TMP/bench.out" | cut -d'"' -f4)
    if { [ "$port" = "${K_PORT:-}" ] || { [ -n "$VS_WORKERS" ] && [ "$port" = "${R_PORT:-}" ]; }; } &&
            grep -q 'Could not fetch server CONFIG' "$TMP/bench.err"; then
        : > "$TMP/warned"
    fi
    msg=$(grep -v -e '^WARNING' -e '^$' "$TMP/bench.err" | tr -d '\r' | head -n 1)
    if [ "$rc" -eq 0 ] && [ -n "$rps" ]; then
        us=$(awk -v d="$((t1 - t0))" -v hz="$CLK_TCK" -v n="$n" \
                 'BEGIN { printf "%.2f", d * 1e6 / hz / n }')
        echo "$rps $us" > "$res"
    elif grep -qi 'unknown command' "$TMP/bench.err"; then
        echo "n/a $msg" > "$res"
    else
        [ "$rc" -eq 124 ] && msg="timed out after ${limit}s; $msg"
        echo "err exit $rc: ${msg:-no output}" > "$res"
    fi
}

# Median of the numbers on stdin (nothing if none).
median() {
    sort -g | awk '{ v[NR] = $1 }
        END { if (NR == 0) exit
              if (NR % 2) m = v[(NR + 1) / 2]; else m = (v[NR / 2] + v[NR / 2 + 1]) / 2
              printf "%.2f\n", m }'
}
# (max - min) / median in percent.
spread() {
    sort -g | awk '{ v[NR] = $1 } END { if (NR < 2) exit
              m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
              if (m > 0) printf "%.0f\n", (v[NR] - v[1]) * 100 / m }'
}
ratio() {
    awk -v a="$1" -v b="$2" 'BEGIN {
        if (a == "" || b == "" || a !~ /^[0-9.]+$/ || b !~ /^[0-9.]+$/ || b + 0 == 0) print "n/a"
        else printf "%.2f\n", a / b }'
}
fmt_int() {
    if [ -z "$1" ]; then echo n/a; else awk -v v="$1" 'BEGIN { printf "%.0f\n", v }'; fi
}

# Run $rep of workload $w against one side (kevyd: server A, redis: B),
# unless its probe found the command unknown (skip = 1).
run_side() {  # side skip port pid ensure_fn name
    step=$((step + 1))
    if [ "$2" = 1 ]; then
        echo "n/a unknown command" > "$RES/$w.$1.$rep"
    else
        bench_run "$3" "$4" "$wtest" "$wpipe" "$n" "$RES/$w.$1.$rep"
        "$5" "$wname run $rep"
    fi
    note "[$step/$total] $wname $6 run $rep: $(cat "$RES/$w.$1.$rep")"
}

ensure_kevyd() {
    if [ "$(timeout --foreground 5 "$REDIS_CLI" -h 127.0.0.1 -p "$K_PORT" PING 2>/dev/null)" != PONG ]; then
        KEVYD_FAILED=1
        problem "kevyd stopped answering PING after $1; restarting it"
        check_kevyd_log "$K_DIR"
        stop_group "$K_PID" 5
        start_kevyd "kevyd-restart-$SECONDS" "$WORKERS" "${SRV_WRAP[@]}"
    fi
}
ensure_redis() {  # server B: redis-server, or the --vs-workers kevyd
    if [ "$(timeout --foreground 5 "$REDIS_CLI" -h 127.0.0.1 -p "$R_PORT" PING 2>/dev/null)" != PONG ]; then
        if [ -n "$VS_WORKERS" ]; then
            KEVYD_FAILED=1
            problem "$B_NAME stopped answering PING after $1; restarting it"
            check_kevyd_log "$R_DIR"
            stop_group "$R_PID" 5
            start_b "$B_NAME-restart-$SECONDS" "${SRV_WRAP[@]}"
        else
            problem "redis-server stopped answering PING after $1; restarting it"
            stop_group "$R_PID" 5
            start_redis "redis-restart-$SECONDS" "${SRV_WRAP[@]}"
        fi
    fi
}

# ------------------------------------------------------------------ header

LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
GIT=$(git -C "$REPO" describe --always --dirty 2>/dev/null) || GIT=unknown
CPU_MODEL=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null)

if [ -n "$VS_WORKERS" ]; then
    out "kevyd ($(plural "$WORKERS" worker)) vs kevyd ($(plural "$VS_WORKERS" worker)), $(date '+%Y-%m-%d %H:%M:%S %z')"
else
    out "kevyd vs redis-server, $(date '+%Y-%m-%d %H:%M:%S %z')"
fi
out "host:       $(uname -sr), $NCPU CPUs${CPU_MODEL:+, $CPU_MODEL}"
out "kevyd:      $("$KEVYD" -v 2>&1 | head -n 1 | sed 's/^kevyd version: //'), tree $GIT"
if [ -n "$VS_WORKERS" ]; then
    out "baseline:   $B_NAME, the same kevyd with $(plural "$VS_WORKERS" worker) (same backend, options and pinning)"
else
    out "redis:      $("$REDIS_SERVER" --version 2>&1 | head -n 1)"
fi
out "options:    -w $WORKERS${VS_WORKERS:+ --vs-workers $VS_WORKERS} -b ${BACKEND:-auto} -n $REQUESTS (-P 16: $((REQUESTS * PIPE_MULT))) -r $REPEATS -c $CLIENTS, keyspace $KEYSPACE$([ "$PIN" = 1 ] && echo ', pinned: servers CPU 0, redis-benchmark CPU 1' || echo ', not pinned')$([ "$SPIN" = 0 ] && echo ', worker-spin off')"
out "load avg:   $LOAD_START (start)"
if awk -v l="${LOAD_START%% *}" -v n="$NCPU" 'BEGIN { exit !(l > n / 2) }'; then
    out "            (the machine is busy: expect noise, compare ratios, use more repeats)"
fi

# ------------------------------------------------------------------ throughput

start_kevyd "$A_NAME" "$WORKERS" "${SRV_WRAP[@]}"
start_b "$B_NAME" "${SRV_WRAP[@]}"
K_BACKEND=$(kevyd_backend "$K_DIR")
if [ -n "$VS_WORKERS" ]; then
    R_BACKEND=$(kevyd_backend "$R_DIR")
    note "$A_NAME pid $K_PID port $K_PORT (${K_BACKEND:-backend unknown}), $B_NAME pid $R_PID port $R_PORT (${R_BACKEND:-backend unknown})"
else
    note "kevyd pid $K_PID port $K_PORT (${K_BACKEND:-backend unknown}), redis-server pid $R_PID port $R_PORT"
fi

NW=${#WORKLOADS[@]}
total=$((NW * REPEATS * 2))
step=0
RES=$TMP/results
mkdir -p "$RES"

for ((w = 0; w < NW; w++)); do
    IFS='|' read -r wname wtest wpipe wprobe <<< "${WORKLOADS[w]}"
    n=$REQUESTS
    [ "$wpipe" -gt 1 ] && n=$((REQUESTS * PIPE_MULT))
    skip_kevyd=0 skip_redis=0
    if [ -n "$wprobe" ]; then
        # The probe goes to kevyd, and with --vs-workers to both kevyds.
        for s in kevyd redis; do
            [ "$s" = redis ] && [ -z "$VS_WORKERS" ] && continue
            if [ "$s" = kevyd ]; then port=$K_PORT name=$A_NAME; else port=$R_PORT name=$B_NAME; fi
            # shellcheck disable=SC2086 # the probe is split into words on purpose
            reply=$(cli "$port" $wprobe)
            case $reply in
                *"unknown command"*)
                    if [ "$s" = kevyd ]; then skip_kevyd=1; else skip_redis=1; fi
                    problem "$wname: $name answers \"$(printf '%s' "$reply" | head -n 1)\": n/a" ;;
            esac
            cli "$port" DEL "$(printf '%s' "$wprobe" | cut -d' ' -f2)" > /dev/null
        done
    fi
    for ((rep = 1; rep <= REPEATS; rep++)); do
        run_side kevyd "$skip_kevyd" "$K_PORT" "$K_PID" ensure_kevyd "$A_NAME"
        run_side redis "$skip_redis" "$R_PORT" "$R_PID" ensure_redis "$B_NAME"
    done
done

out ""
out "throughput: median of $REPEATS runs (spread = (max-min)/median); cpu = server utime+stime per request"
ROWF="%-16s %${RPSW}s %5s %${RPSW}s %5s %6s   %${USW}s %${USW}s %6s\n"
# shellcheck disable=SC2059 # ROWF is a format built above
outf "$ROWF" workload "$A_NAME/s" "+-" "$B_NAME/s" "+-" ratio \
    "$A_NAME us" "$B_NAME us" ratio
for ((w = 0; w < NW; w++)); do
    IFS='|' read -r wname wtest wpipe wprobe <<< "${WORKLOADS[w]}"
    for s in kevyd redis; do
        cat "$RES/$w.$s".* 2>/dev/null | awk '$1 ~ /^[0-9.]+$/ { print $1 }' > "$TMP/rps.$s"
        cat "$RES/$w.$s".* 2>/dev/null | awk '$1 ~ /^[0-9.]+$/ { print $2 }' > "$TMP/cpu.$s"
    done
    k_rps=$(median < "$TMP/rps.kevyd"); r_rps=$(median < "$TMP/rps.redis")
    k_sp=$(spread < "$TMP/rps.kevyd"); r_sp=$(spread < "$TMP/rps.redis")
    k_cpu=$(median < "$TMP/cpu.kevyd"); r_cpu=$(median < "$TMP/cpu.redis")
    # Runs that failed (not n/a): a problem of kevyd, or of the machine.
    for s in kevyd redis; do
        bad=$(grep -h '^err' "$RES/$w.$s".* 2>/dev/null | sort | uniq -c | sed 's/^ *//')
        if [ -n "$bad" ]; then
            { [ "$s" = kevyd ] || [ -n "$VS_WORKERS" ]; } && KEVYD_FAILED=1
            if [ "$s" = kevyd ]; then name=$A_NAME; else name=$B_NAME; fi
            problem "$wname: $name runs failed: $bad"
        fi
    done
    k_show=$(fmt_int "$k_rps"); r_show=$(fmt_int "$r_rps")
    if [ -z "$k_rps" ] && grep -qh '^err' "$RES/$w.kevyd".* 2>/dev/null; then k_show=err; fi
    if [ -n "$VS_WORKERS" ] && [ -z "$r_rps" ] && grep -qh '^err' "$RES/$w.redis".* 2>/dev/null; then r_show=err; fi
    # shellcheck disable=SC2059 # ROWF is a format built above
    outf "$ROWF" "$wname" \
        "$k_show" "${k_sp:+$k_sp%}" "$r_show" "${r_sp:+$r_sp%}" "$(ratio "$k_rps" "$r_rps")" \
        "${k_cpu:-n/a}" "${r_cpu:-n/a}" "$(ratio "$k_cpu" "$r_cpu")"
done
if [ -n "$VS_WORKERS" ]; then
    out "  ratio = $A_NAME/$B_NAME; > 1: $A_NAME is faster (ops/s) or costs more CPU per request (us)."
    out "  backends: $A_NAME ${K_BACKEND:-unknown}, $B_NAME ${R_BACKEND:-unknown}; cpu is counted in ${CLK_TCK}ths of a second per run."
else
    out "  ratio > 1: kevyd is faster (ops/s) or costs more CPU per request (us)."
    out "  kevyd backend: ${K_BACKEND:-unknown}; cpu is counted in ${CLK_TCK}ths of a second per run."
fi

if [ -e "$TMP/warned" ]; then
    problem "redis-benchmark warned \"Could not fetch server CONFIG\" against kevyd (CONFIG GET save/appendonly)"
fi

stop_group "$K_PID" 15
check_kevyd_log "$K_DIR"
stop_group "$R_PID" 15
if [ -n "$VS_WORKERS" ]; then
    check_kevyd_log "$R_DIR"
    out ""
    out "memory and callgrind: skipped in --vs-workers mode"
    MEMORY=0 CALLGRIND=0
fi

# ------------------------------------------------------------------ memory

if [ "$MEMORY" = 1 ]; then
    [ "$MEM_TYPES" = all ] && MEM_TYPES=string,hash,set,intset,zset,list
    # MEM_KEYS keys of one type as RESP, for redis-cli --pipe; every
    # element is 8 bytes or less (small encodings), values 16 bytes.
    gen_keys() {  # type
        awk -v n="$MEM_KEYS" -v t="$1" '
        function bulk(s) { return sprintf("$%d\r\n%s\r\n", length(s), s) }
        BEGIN {
            for (i = 0; i < n; i++) {
                e = sprintf("%07d", i)
                if (t == "string")
                    printf "*3\r\n%s%s%s", bulk("SET"), bulk("key:" e), bulk(sprintf("v%015d", i))
                else if (t == "hash")
                    printf "*8\r\n%s%s%s%s%s%s%s%s", bulk("HSET"), bulk("h:" e),
                        bulk("f1"), bulk("a" e), bulk("f2"), bulk("b" e), bulk("f3"), bulk("c" e)
                else if (t == "set")
                    printf "*5\r\n%s%s%s%s%s", bulk("SADD"), bulk("s:" e),
                        bulk("a" e), bulk("b" e), bulk("c" e)
                else if (t == "intset")
                    printf "*5\r\n%s%s%s%s%s", bulk("SADD"), bulk("i:" e),
                        bulk(i), bulk(i + 1), bulk(i + 2)
                else if (t == "zset")
                    printf "*8\r\n%s%s%s%s%s%s%s%s", bulk("ZADD"), bulk("z:" e),
                        bulk("1"), bulk("a" e), bulk("2"), bulk("b" e), bulk("3"), bulk("c" e)
                else
                    printf "*5\r\n%s%s%s%s%s", bulk("RPUSH"), bulk("l:" e),
                        bulk("a" e), bulk("b" e), bulk("c" e)
            } }'
    }
    # name type port rss-pids...: writes $TMP/memline.NAME.TYPE and
    # $TMP/mem.NAME.TYPE (used_memory and RSS growth)
    mem_line() {
        local name=$1 type=$2 port=$3 u0 u1 r0 r1 dbsize pipeout
        shift 3
        u0=$(info_field "$port" used_memory)
        r0=$(rss_kb "$@")
        pipeout=$(gen_keys "$type" | timeout --foreground 600 "$REDIS_CLI" -h 127.0.0.1 -p "$port" --pipe 2>&1 | tail -n 1)
        dbsize=$(cli "$port" DBSIZE | tr -d '\r')
        u1=$(info_field "$port" used_memory)
        r1=$(rss_kb "$@")
        if [ "$dbsize" != "$MEM_KEYS" ]; then
            problem "memory: $name has DBSIZE $dbsize after loading $MEM_KEYS $type keys ($pipeout)"
            [ "$name" = kevyd ] && KEVYD_FAILED=1
        fi
        awk -v name="$name" -v type="$type" -v u0="${u0:-0}" -v u1="${u1:-0}" -v r0="$r0" -v r1="$r1" \
            -v n="$MEM_KEYS" -v d="$dbsize" 'BEGIN {
            printf "%-6s %-6s keys %8s  used_memory %8.1f MB (%6.1f B/key)  RSS %8.1f MB (%6.1f B/key)\n",
                name, type, d, u1 / 1048576, (u1 - u0) / n, r1 / 1024, (r1 - r0) * 1024 / n }' \
            > "$TMP/memline.$name.$type"
        printf '%s %s\n' "$(( ${u1:-0} - ${u0:-0} ))" "$(( r1 - r0 ))" > "$TMP/mem.$name.$type"
    }
    out ""
    out "memory: $MEM_KEYS keys of each type, each type in fresh servers; B/key = growth over the empty server"
    out "  string: key:%07d = 16-byte value; hash, set, zset, list: 3 elements of 8 bytes; intset: 3 integers"
    out "  (kevyd used_memory from INFO memory, RSS = VmRSS summed over the workers)"
    IFS=, read -r -a mem_types <<< "$MEM_TYPES"
    for type in "${mem_types[@]}"; do
        note "memory: loading $MEM_KEYS $type keys into each server"
        start_kevyd "kevyd-mem-$type" "$WORKERS" "${SRV_WRAP[@]}"
        mapfile -t kw < <(children "$K_PID")
        mem_line kevyd "$type" "$K_PORT" "${kw[@]}"
        stop_group "$K_PID" 15
        check_kevyd_log "$K_DIR"
        start_redis "redis-mem-$type" "${SRV_WRAP[@]}"
        mem_line redis "$type" "$R_PORT" "$R_PID"
        stop_group "$R_PID" 15
        out "  $(cat "$TMP/memline.kevyd.$type")"
        out "  $(cat "$TMP/memline.redis.$type")"
        ku='' kr='' ru='' rr=''
        read -r ku kr < "$TMP/mem.kevyd.$type"
        read -r ru rr < "$TMP/mem.redis.$type"
        out "  $type ratio kevyd/redis: used_memory $(ratio "$ku" "$ru"), RSS $(ratio "$kr" "$rr")"
    done
fi

# ------------------------------------------------------------------ callgrind

# Total Ir of a callgrind output file.
cg_total() {
    awk '/^totals:/ { t = $2 } /^summary:/ { s = $2 }
         END { if (t != "") print t; else if (s != "") print s }' "$1" 2>/dev/null
}

# cg_run SERVER KIND: one server under callgrind; KIND is base (PING),
# set (SET N) or setget (SET N then GET N). Sets CG_IR to the total Ir of
# the kevyd worker's (or redis-server's) callgrind file, empty on failure.
cg_run() {
    local server=$1 kind=$2 pid port dir target t file tests
    CG_IR=
    # LD_BIND_NOW: symbols are resolved at start-up (in the baseline), not
    # lazily during the first requests.
    local vg=(env LD_BIND_NOW=1 valgrind --tool=callgrind --trace-children=yes)
    if [ "$server" = kevyd ]; then
        start_kevyd "cg-kevyd-$kind" 1 "${vg[@]}" "--callgrind-out-file=$TMP/cg-kevyd-$kind/cg.%p"
        pid=$K_PID port=$K_PORT dir=$K_DIR
        target=$(children "$pid" | head -n 1)
    else
        mkdir -p "$TMP/cg-redis-$kind"
        start_redis "cg-redis-$kind" "${vg[@]}" "--callgrind-out-file=$TMP/cg-redis-$kind/cg.%p"
        pid=$R_PID port=$R_PORT dir=$R_DIR
        target=$pid
    fi
    cli "$port" PING > /dev/null
    case $kind in
        set) tests="set" ;;
        setget) tests="set get" ;;
        *) tests= ;;
    esac
    for t in $tests; do
        if ! bounded 600 "$TMP/cg-bench.out" "$TMP/cg-bench.out" \
                "$REDIS_BENCHMARK" -h 127.0.0.1 -p "$port" -c "$CLIENTS" \
                -r "$KEYSPACE" -n "$CG_REQUESTS" -P 16 -t "$t" -q; then
            problem "callgrind: redis-benchmark $t against $server failed: $(tr '\r' '\n' < "$TMP/cg-bench.out" | grep -v '^ *$' | tail -n 1)"
            [ "$server" = kevyd ] && KEVYD_FAILED=1
        fi
    done
    stop_group "$pid" 120
    [ "$server" = kevyd ] && check_kevyd_log "$dir"
    file=$dir/cg.$target
    if [ -z "$target" ] || [ ! -s "$file" ]; then
        problem "callgrind: no output file for $server ($kind) in $dir"
        return 0
    fi
    CG_IR=$(cg_total "$file")
}

if [ "$CALLGRIND" = 1 ]; then
    note "callgrind: $CG_REQUESTS SETs and GETs per server under valgrind (slow)"
    declare -A IR
    for s in kevyd redis; do
        for kind in base set setget; do
            cg_run "$s" "$kind"
            IR[$s.$kind]=$CG_IR
            note "callgrind: $s $kind: ${IR[$s.$kind]:-?} Ir"
        done
    done
    per_req() {  # total baseline
        if [ -z "$1" ] || [ -z "$2" ]; then echo n/a; return; fi
        awk -v a="$1" -v b="$2" -v n="$CG_REQUESTS" 'BEGIN { printf "%.0f\n", (a - b) / n }'
    }
    k_set=$(per_req "${IR[kevyd.set]}" "${IR[kevyd.base]}")
    r_set=$(per_req "${IR[redis.set]}" "${IR[redis.base]}")
    k_get=$(per_req "${IR[kevyd.setget]}" "${IR[kevyd.set]}")
    r_get=$(per_req "${IR[redis.setget]}" "${IR[redis.set]}")
    out ""
    out "callgrind: user-space instructions per request, 1 kevyd worker (its own pid's file),"
    out "  redis-benchmark -P 16 -c $CLIENTS -r $KEYSPACE -n $CG_REQUESTS; SET = (run - start/PING/stop run) / N,"
    out "  GET = (SET+GET run - SET run) / N. Kernel work (syscalls) is not counted."
    outf '  %-8s %12s %12s %6s\n' workload "kevyd Ir" "redis Ir" ratio
    outf '  %-8s %12s %12s %6s\n' SET "$k_set" "$r_set" "$(ratio "$k_set" "$r_set")"
    outf '  %-8s %12s %12s %6s\n' GET "$k_get" "$r_get" "$(ratio "$k_get" "$r_get")"
    out "  (baselines: kevyd $(fmt_int "${IR[kevyd.base]}") Ir, redis $(fmt_int "${IR[redis.base]}") Ir)"
fi

# ------------------------------------------------------------------ end

out ""
out "load avg:   $LOAD_START (start), $(cut -d' ' -f1-3 /proc/loadavg) (end)"
if [ -s "$PROBLEMS" ]; then
    out ""
    out "problems:"
    while IFS= read -r line; do out "  $line"; done < "$PROBLEMS"
fi
out ""
out "raw runs (ops/s, server cpu us/req):"
for ((w = 0; w < NW; w++)); do
    IFS='|' read -r wname _ <<< "${WORKLOADS[w]}"
    for s in kevyd redis; do
        line=
        for ((rep = 1; rep <= REPEATS; rep++)); do
            r=$(awk '{ if ($1 ~ /^[0-9.]+$/) printf "%.0f/%s", $1, $2; else print $1 }' "$RES/$w.$s.$rep" 2>/dev/null)
            line="$line ${r:-?}"
        done
        if [ "$s" = kevyd ]; then name=$A_NAME; else name=$B_NAME; fi
        outf "  %-16s %-${LABW}s%s\n" "$wname" "$name" "$line"
    done
done
[ -n "$OUTFILE" ] && note "results written to $OUTFILE"

if [ "$KEVYD_FAILED" = 1 ]; then exit 2; fi
exit 0
