#!/usr/bin/env bash
# The test command (README): install what the tests need (Postfix without running the
# machine's default instance, tmux, aha), then run the whole suite, live Postfix tests
# included. Runs as root on Debian/Ubuntu: `sudo scripts/test.sh`. CI calls it from .ci/run.
#
# The live tests (tests/live_postfix.rs) start their own throwaway instance with
# scripts/lab.sh; they FAIL when it cannot start. MAILQ_TUI_SKIP_LIVE is unset here on
# purpose so that a broken lab fails CI instead of being skipped.
set -euo pipefail

cd "$(dirname "$0")/.."

if [[ $(id -u) -ne 0 ]]; then
    echo "scripts/test.sh: must run as root (apt-get, and live tests start a Postfix instance)" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
unset MAILQ_TUI_SKIP_LIVE

# Debian's postinst would start the default instance; "Local only" keeps it off the
# network, and policy-rc.d (exit 101) stops the install from starting any service at all.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    created_policy=1
fi
cleanup() {
    if [[ $created_policy -eq 1 ]]; then
        rm -f "$policy"
    fi
}
trap cleanup EXIT

preinstalled=0
if dpkg-query -W -f='${Status}' postfix 2>/dev/null | grep -q "install ok installed"; then
    preinstalled=1
fi

echo "postfix postfix/main_mailer_type select Local only" | debconf-set-selections
echo "postfix postfix/mailname string ci.mailq-tui.invalid" | debconf-set-selections
apt-get update -qq
apt-get install -y -qq --no-install-recommends postfix postfix-pcre tmux aha python3 util-linux openssh-server openssh-client sasl2-bin libsasl2-modules prometheus jq curl groff-base mandoc >/dev/null

# The default instance must not run because of us: the tests use their own instance and
# never touch the default one. If this install started it anyway, stop it again; one that
# was already installed and running before is someone else's and is left alone.
if postfix status >/dev/null 2>&1; then
    if [[ $preinstalled -eq 0 ]]; then
        echo "scripts/test.sh: stopping the default Postfix instance the package install started" >&2
        postfix stop
    else
        echo "scripts/test.sh: note: a pre-existing default Postfix instance is running; left alone" >&2
    fi
fi

postconf mail_version
cargo --version

cargo fmt --all -- --check
cargo clippy --locked --all-targets --all-features -- -D warnings
# The API documentation builds without a broken or ambiguous link.
RUSTDOCFLAGS="-D warnings" cargo doc --locked --no-deps --quiet
# Every test, live Postfix tests included.
cargo test --locked
# The Debian package: built with cargo-deb, contents checked with dpkg-deb -c.
command -v cargo-deb >/dev/null || cargo install cargo-deb --locked --quiet
bash scripts/check-deb.sh
