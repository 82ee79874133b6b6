#!/usr/bin/env bash
# Regenerate the README screenshots from the built-in demo queue (never a real queue: it
# holds real addresses). Needs tmux, aha (Debian package `aha`), headless Chromium and, for
# the Japanese subjects, fonts-noto-cjk (a browser font's CJK width is not exactly two
# monospace cells, so such lines sit slightly off in the PNG; the terminal aligns them).
#
#   screenshots/make.sh            # builds the binary (debug) and writes screenshots/*.png
#
# How: run `mailq-tui --demo` in a detached tmux pane of a fixed size, drive it with
# send-keys, capture each screen with colours (`capture-pane -e`), turn the ANSI text into
# HTML with aha, and let headless Chromium take a PNG of that page.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
cols=120
rows=36
session="mailq-shots-$$"
work="$(mktemp -d)"
profile="$(mktemp -d)"
trap 'tmux kill-session -t "$session" 2>/dev/null || true; rm -rf "$work" "$profile"' EXIT

chrome="$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)"
[ -n "$chrome" ] || { echo "chromium not found (apt-get install -y chromium)" >&2; exit 1; }
command -v aha >/dev/null || { echo "aha not found (apt-get install -y aha)" >&2; exit 1; }

(cd "$root" && cargo build --quiet)
bin="$root/target/debug/mailq-tui"

tmux new-session -d -s "$session" -x "$cols" -y "$rows" \
    "env LANG=C.UTF-8 TERM=xterm-256color '$bin' --demo"
sleep 2

keys() { tmux send-keys -t "$session" "$@"; sleep 0.7; }

shot() {
    local name="$1"
    tmux capture-pane -e -p -t "$session" > "$work/$name.ans"
    aha --black --title "mailq-tui" < "$work/$name.ans" \
        | sed 's|<pre>|<pre style="font-family: DejaVu Sans Mono, monospace; font-size: 14px; line-height: 1.15; margin: 8px;">|' \
        > "$work/$name.html"
    "$chrome" --headless --no-sandbox --disable-gpu --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --user-data-dir="$profile" --hide-scrollbars \
        --screenshot="$here/$name.png" --window-size=1040,600 \
        "file://$work/$name.html" >/dev/null 2>&1
    echo "wrote screenshots/$name.png"
}

# 1. The storm at a glance: grouped by delay reason, with arrival sparklines.
shot 01-groups-by-reason
# 2. Drill into the biggest group, mark a few messages, ask to hold them.
keys l
keys Space
keys Space
keys Space
keys H
shot 02-confirm-hold
keys n
# 3. The detail of one NDR: envelope, SASL login and client, recipients, headers.
keys l
sleep 1
shot 03-detail
keys h
keys h
# 4. Filter the null sender and see the live match count.
keys /
keys -l MAILER
shot 04-filter
keys Escape
# 5. The storm screen: verdict, speed, campaigns, forged domains, compromised account.
keys t
sleep 1
shot 05-storm
keys t
keys q
