#!/usr/bin/env bash
# Storm-scale benchmarks of issue #17, one row per line of the issue's table, as root.
#
#   scripts/bench-storm.sh live   LABDIR [BIN] [RUNS]   # a lab from `scripts/lab.sh start LABDIR --messages N`
#   scripts/bench-storm.sh idle   CAPTURE [BIN] [SECS]  # the TUI on a capture: CPU and RSS once loaded
#   scripts/bench-storm.sh first  CAPTURE [BIN] [RUNS]  # the TUI on a capture: time to a first useful screen
#   scripts/bench-storm.sh summary LABDIR [BIN] [RUNS] [BIN2]  # `summary` (of BIN, and BIN2 if given) vs `postqueue -j`,
#                                                       # interleaved with the order rotated each round; medians
#   scripts/bench-storm.sh firstlive LABDIR [BIN] [RUNS] [BIN2]  # the TUI's first useful screen on a lab (BIN, BIN2 interleaved)
#   scripts/bench-storm.sh rest   LABDIR [BIN] [SECS]   # the TUI on a lab at rest: CPU, RSS, listings (SETTLE=s to wait first, default 60)
#   scripts/bench-storm.sh slow   CAPTURE [BIN] [RUNS]  # the TUI behind a stub `postqueue -j` that plays CAPTURE at RATE
#                                                       # lines/s (default 8000, a live 100k queue's pace): first groups, complete screen
#
# live measures, interleaved (A B A B …), medians of RUNS (default 5):
#   1. `mailq-tui summary` against `postqueue -j > /dev/null`;
#   2. `mailq-tui hold --yes null` against `postqueue -j | jq … | postsuper -h - deferred`
#      (every NDR in deferred; each run starts from the same queue: the held NDRs are
#      released again, untimed, with a bare `postsuper -H - hold`);
#   3. the TUI's first useful screen (a group row with a count, in tmux);
#   4. the TUI at rest for 60 s: CPU %, listings (from its log file) and listing duty.
# Nothing here changes the queue beyond what `hold` does and undoes. BIN defaults to
# target/release/mailq-tui; pass another binary (say the one before a change) to compare.
set -euo pipefail

die() { echo "bench-storm: $*" >&2; exit 1; }
[[ $(id -u) -eq 0 ]] || die "run as root (postsuper and the lab need it)"
for t in tmux jq python3; do command -v "$t" >/dev/null || die "$t is missing"; done

mode=${1:-}
target=${2:-}
[[ -n $mode && -n $target ]] || die "usage: $0 live|summary|firstlive|rest|idle|first|slow LABDIR|CAPTURE [BIN] [N]"
BIN=$(readlink -f "${3:-target/release/mailq-tui}")
[[ -x $BIN ]] || die "$BIN is not executable (cargo build --release)"
WORK=$(mktemp -d /tmp/bench-storm.XXXXXX)
trap 'tmux -L "$SOCK" kill-server 2>/dev/null || true; rm -rf "$WORK"' EXIT
SOCK="bench-storm-$$"
export HOME=$WORK/home XDG_STATE_HOME=$WORK/state
mkdir -p "$HOME" "$XDG_STATE_HOME"

now() { date +%s.%N; }
median() { python3 -c 'import sys,statistics as s; v=[float(x) for x in sys.argv[1:]]; print(f"{s.median(v):.3f}")' "$@"; }

# Seconds until the TUI (started with "$@") shows a group row with a message count.
# After a TUI is hung up mid-listing, let its `postqueue -j` (and showq) wind down before the
# next measurement, so that runs do not slow each other down.
settle_listings() {
    for _ in $(seq 1 150); do
        pgrep -f 'postqueue .*-j' >/dev/null || return 0
        sleep 0.1
    done
}

first_screen() {
    local start pane
    tmux -L "$SOCK" kill-server 2>/dev/null || true
    settle_listings
    start=$(now)
    tmux -L "$SOCK" new-session -d -x 160 -y 45 "$*"
    for _ in $(seq 1 1200); do
        pane=$(tmux -L "$SOCK" capture-pane -p 2>/dev/null || true)
        # A groups-pane row: messages and recipients counts.
        if grep -qE '^│[^0-9│]{0,3}[0-9][0-9,]* +[0-9][0-9,]* ' <<<"$pane"; then
            python3 -c "print(f'{$(now) - $start:.3f}')"
            tmux -L "$SOCK" kill-server 2>/dev/null || true
            settle_listings
            return
        fi
        sleep 0.02
    done
    tmux -L "$SOCK" kill-server 2>/dev/null || true
    die "no first screen within 24 s"
}

# "FIRST COMPLETE": seconds until the TUI (started with "$@") shows a group row, and until
# the listing is complete on screen (no "listing N…", LOADING, GROUPING or "partial" left).
first_and_complete() {
    local start pane first=""
    tmux -L "$SOCK" kill-server 2>/dev/null || true
    start=$(now)
    tmux -L "$SOCK" new-session -d -x 160 -y 45 "$*"
    for _ in $(seq 1 3000); do
        pane=$(tmux -L "$SOCK" capture-pane -p 2>/dev/null || true)
        if [[ -z $first ]] && grep -qE '^│[^0-9│]{0,3}[0-9][0-9,]* +[0-9][0-9,]* ' <<<"$pane"; then
            first=$(python3 -c "print(f'{$(now) - $start:.3f}')")
        fi
        if [[ -n $first ]] && ! grep -qE 'listing [0-9]|LOADING|GROUPING|partial listing' <<<"$pane"; then
            echo "$first $(python3 -c "print(f'{$(now) - $start:.3f}')")"
            tmux -L "$SOCK" kill-server 2>/dev/null || true
            return
        fi
        sleep 0.02
    done
    tmux -L "$SOCK" kill-server 2>/dev/null || true
    die "no complete screen within 60 s"
}

# CPU seconds (utime+stime) of PID.
cpu_s() { awk -v hz="$(getconf CLK_TCK)" '{print ($14+$15)/hz}' "/proc/$1/stat"; }
rss_mb() { awk '/VmRSS/ {printf "%.0f", $2/1024}' "/proc/$1/status"; }

# Start the TUI in tmux, wait SETTLE s, then sample CPU and RSS over SECS s.
at_rest() {
    local settle=$1 secs=$2 pid c0 c1 r0 r1
    shift 2
    tmux -L "$SOCK" kill-server 2>/dev/null || true
    tmux -L "$SOCK" new-session -d -x 160 -y 45 "$*"
    sleep 1
    pid=$(pgrep -n -f "^$BIN" || true)
    [[ -n $pid ]] || die "the TUI did not start"
    sleep "$settle"
    c0=$(cpu_s "$pid"); r0=$(rss_mb "$pid")
    local lines0
    lines0=$({ grep -c 'listed queue' "$XDG_STATE_HOME"/mailq-tui/mailq-tui.log* 2>/dev/null || true; } | awk -F: '{s+=$NF} END {print s+0}')
    sleep "$secs"
    c1=$(cpu_s "$pid"); r1=$(rss_mb "$pid")
    local lines1 took
    lines1=$({ grep -c 'listed queue' "$XDG_STATE_HOME"/mailq-tui/mailq-tui.log* 2>/dev/null || true; } | awk -F: '{s+=$NF} END {print s+0}')
    took=$({ grep -ho 'took_ms=[0-9]*' "$XDG_STATE_HOME"/mailq-tui/mailq-tui.log* 2>/dev/null || true; } | tail -1 | cut -d= -f2)
    local listings=$((lines1 - lines0))
    python3 -c "
c=($c1-$c0)/$secs*100
l=$listings; t=${took:-0}
print(f'cpu {c:.2f}% over {$secs} s; RSS {$r0} -> {$r1} MB; listings {l} (last took {t} ms: duty {l*t/10/$secs:.1f}%)')"
    tmux -L "$SOCK" kill-server 2>/dev/null || true
}

case $mode in
live)
    LAB=$(readlink -f "$target")
    RUNS=${4:-5}
    ETC=$LAB/etc
    [[ -f $ETC/main.cf ]] || die "$LAB is not a lab (scripts/lab.sh start $LAB --messages N)"
    total=$(postqueue -c "$ETC" -j | wc -l)
    ndrs=$(postqueue -c "$ETC" -j | jq -r 'select(.sender=="MAILER-DAEMON" and .queue_name=="deferred") | .queue_id' | wc -l)
    echo "lab $LAB: $total messages, $ndrs NDRs in deferred; $BIN; $RUNS runs"
    release_ndrs() {
        postqueue -c "$ETC" -j | jq -r 'select(.sender=="MAILER-DAEMON" and .queue_name=="hold") | .queue_id' |
            postsuper -c "$ETC" -H - hold 2>/dev/null || true
    }
    release_ndrs
    s_ours=() s_pq=() h_ours=() h_pipe=() f_tui=()
    for i in $(seq 1 "$RUNS"); do
        t=$(now); "$BIN" -c "$ETC" summary >/dev/null; s_ours+=("$(python3 -c "print($(now)-$t)")")
        t=$(now); postqueue -c "$ETC" -j >/dev/null; s_pq+=("$(python3 -c "print($(now)-$t)")")
        t=$(now); "$BIN" -c "$ETC" --audit-log "$WORK/audit.log" hold --yes null >/dev/null 2>&1
        h_ours+=("$(python3 -c "print($(now)-$t)")"); release_ndrs
        t=$(now)
        postqueue -c "$ETC" -j | jq -r 'select(.sender=="MAILER-DAEMON" and .queue_name=="deferred") | .queue_id' |
            postsuper -c "$ETC" -h - deferred 2>/dev/null
        h_pipe+=("$(python3 -c "print($(now)-$t)")"); release_ndrs
        f_tui+=("$(first_screen "$BIN" -c "$ETC" --refresh 10)")
        echo "run $i: summary ${s_ours[-1]} postqueue ${s_pq[-1]} hold ${h_ours[-1]} pipeline ${h_pipe[-1]} first-screen ${f_tui[-1]}" >&2
    done
    so=$(median "${s_ours[@]}"); sp=$(median "${s_pq[@]}")
    ho=$(median "${h_ours[@]}"); hp=$(median "${h_pipe[@]}")
    echo "| what | ours s | baseline s | ratio |"
    echo "|---|---|---|---|"
    echo "| summary vs postqueue -j | $so | $sp | $(python3 -c "print(f'{$so/$sp:.2f}')")× |"
    echo "| hold --yes null ($ndrs of $total) vs postqueue -j \| jq \| postsuper -h - | $ho | $hp | $(python3 -c "print(f'{$ho/$hp:.2f}')")× |"
    echo "| TUI first useful screen | $(median "${f_tui[@]}") | | |"
    echo "TUI at rest (60 s after a 60 s start):"
    at_rest 60 60 "$BIN" -c "$ETC" --refresh 10
    ;;
summary)
    ETC=$(readlink -f "$target")/etc
    RUNS=${4:-7}
    cmds=(postqueue "$BIN")
    [[ -n ${5:-} ]] && cmds+=("$(readlink -f "$5")")
    declare -A took
    for i in $(seq 1 "$RUNS"); do
        for j in $(seq 0 $((${#cmds[@]} - 1))); do
            c=${cmds[$(((i + j) % ${#cmds[@]}))]}
            t=$(now)
            if [[ $c == postqueue ]]; then postqueue -c "$ETC" -j >/dev/null; else "$c" -c "$ETC" summary >/dev/null; fi
            took[$c]+="$(python3 -c "print($(now)-$t)") "
        done
    done
    base=$(median ${took[postqueue]})
    for c in "${cmds[@]}"; do
        m=$(median ${took[$c]})
        echo "$c: median $m s ($(python3 -c "print(f'{$m/$base:.2f}')")× postqueue -j) of ${took[$c]}"
    done
    ;;
firstlive)
    # The TUI's first useful screen on a live lab (of BIN, and BIN2 if given), interleaved
    # with the order rotated each round; medians.
    ETC=$(readlink -f "$target")/etc
    RUNS=${4:-7}
    cmds=("$BIN")
    [[ -n ${5:-} ]] && cmds+=("$(readlink -f "$5")")
    declare -A took
    for i in $(seq 1 "$RUNS"); do
        for j in $(seq 0 $((${#cmds[@]} - 1))); do
            c=${cmds[$(((i + j) % ${#cmds[@]}))]}
            took[$c]+="$(first_screen "$c" -c "$ETC" --refresh 10) "
        done
    done
    for c in "${cmds[@]}"; do
        echo "$c: first useful screen, median $(median ${took[$c]}) s of ${took[$c]}"
    done
    ;;
rest)
    # The TUI on a live lab at rest: 60 s to start, then 60 s sampled.
    at_rest "${SETTLE:-60}" "${4:-60}" "$BIN" -c "$(readlink -f "$target")/etc" --refresh 10
    ;;
idle)
    SECS=${4:-60}
    at_rest 120 "$SECS" "$BIN" --from-file "$(readlink -f "$target")"
    ;;
first)
    RUNS=${4:-3}
    v=()
    for _ in $(seq 1 "$RUNS"); do v+=("$(first_screen "$BIN" --from-file "$(readlink -f "$target")")"); done
    echo "TUI first useful screen on $target: median $(median "${v[@]}") s of ${v[*]}"
    ;;
slow)
    # A stub Postfix in $WORK/bin: `postqueue -j` plays the capture at RATE lines/s (in
    # 100 ms slices), `postconf` points at the stubs; postsuper/postcat refuse.
    RUNS=${4:-3}
    RATE=${RATE:-8000}
    CAPTURE=$(readlink -f "$target")
    STUB=$WORK/bin
    mkdir -p "$STUB"
    cat >"$STUB/postqueue" <<EOS
#!/usr/bin/env python3
import sys, time
per = max(1, $RATE // 10)
out = sys.stdout.buffer
with open("$CAPTURE", "rb") as f:
    chunk = []
    for line in f:
        chunk.append(line)
        if len(chunk) == per:
            out.write(b"".join(chunk)); out.flush(); chunk = []
            time.sleep(0.1)
    out.write(b"".join(chunk)); out.flush()
EOS
    cat >"$STUB/postconf" <<EOS
#!/bin/sh
case "\$*" in
*command_directory) echo "$STUB" ;;
*empty_address_recipient) echo MAILER-DAEMON ;;
*queue_directory) echo "$WORK/no-queue" ;;
*) exit 1 ;;
esac
EOS
    printf '#!/bin/sh\necho "stub: refused" >&2; exit 1\n' >"$STUB/postsuper"
    cp "$STUB/postsuper" "$STUB/postcat"
    chmod 755 "$STUB"/*
    export PATH=$STUB:$PATH
    n=$(wc -l <"$CAPTURE")
    echo "stub postqueue -j: $CAPTURE ($n lines) at $RATE lines/s (~$(python3 -c "print(f'{$n/$RATE:.1f}')") s); $BIN; $RUNS runs"
    f=() c=()
    for i in $(seq 1 "$RUNS"); do
        read -r a b < <(first_and_complete "$BIN" --refresh 60)
        f+=("$a"); c+=("$b")
        echo "run $i: first groups $a s, complete $b s" >&2
    done
    echo "TUI behind a slow postqueue: first groups median $(median "${f[@]}") s of ${f[*]}; complete median $(median "${c[@]}") s of ${c[*]}"
    ;;
*) die "unknown mode $mode" ;;
esac
