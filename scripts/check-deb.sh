#!/usr/bin/env bash
# Build the Debian package with cargo-deb and check its contents with dpkg-deb -c.
# Usage: scripts/check-deb.sh   (needs `cargo install cargo-deb`)
set -euo pipefail
cd "$(dirname "$0")/.."
deb=$(cargo deb --locked 2>/dev/null | tail -n 1)
[ -f "$deb" ] || { echo "cargo deb did not produce a package" >&2; exit 1; }
listing=$(dpkg-deb -c "$deb")
missing=0
# Every manual page in assets/man/ (mailq-tui.1 and one per subcommand), gzipped.
pages=()
for page in assets/man/*.1; do
    pages+=("./usr/share/man/man1/$(basename "$page").gz")
done
[ "${#pages[@]}" -gt 1 ] || { echo "no manual pages in assets/man/" >&2; exit 1; }
for path in \
    ./usr/bin/mailq-tui \
    "${pages[@]}" \
    ./usr/share/bash-completion/completions/mailq-tui \
    ./usr/share/zsh/vendor-completions/_mailq-tui \
    ./usr/share/fish/vendor_completions.d/mailq-tui.fish \
    ./usr/share/doc/mailq-tui/examples/config.toml \
    ./etc/mailq-tui/config.toml \
    ./lib/systemd/system/mailq-tui-watch.service \
    ./usr/share/doc/mailq-tui/README.md \
    ./usr/share/doc/mailq-tui/CHANGELOG.md; do
    if ! grep -q " ${path}\$" <<<"$listing"; then
        echo "missing from $deb: $path" >&2
        missing=1
    fi
done
dpkg-deb -f "$deb" Package Version Depends
[ "$missing" = 0 ] && echo "ok: $deb"
exit "$missing"
