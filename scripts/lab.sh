#!/usr/bin/env bash
# mailq-tui lab: a throwaway Postfix instance filled with a realistic NDR storm.
#
# Used by the live tests (tests/common/mod.rs) and offered to users who want to try
# mailq-tui on a fake storm without touching a real queue:
#
#   sudo scripts/lab.sh start /tmp/mqlab            # create, start, fill (~4,000 messages)
#   sudo mailq-tui --config-dir /tmp/mqlab/etc      # look at it
#   sudo scripts/lab.sh stop /tmp/mqlab             # stop and remove everything
#
# The instance is entirely its own: config_directory DIR/etc, queue_directory DIR/spool,
# data_directory DIR/data, smtpd on 127.0.0.1 and a free high port only, no DNS, every
# remote destination routed to a `retry:` text or to a closed port on 127.0.0.1. The
# machine's default instance is never started, stopped or reconfigured; the only change
# outside DIR is DIR/etc being listed in the default main.cf's
# alternate_config_directories (needed by non-root `postqueue -c DIR`), undone by `stop`.
#
# What the storm contains is deterministic and written to DIR/manifest.json.
set -euo pipefail

# Every Postfix command below names its instance with -c. An inherited MAIL_CONFIG (say from
# `eval "$(lab.sh env DIR)"`) would silently redirect the ones meant for the default main.cf.
unset MAIL_CONFIG

readonly LAB_MARKER=".mailq-tui-lab"
readonly DEFAULT_MESSAGES=4000
readonly ALT_LOCK=/run/lock/mailq-tui-lab.lock

usage() {
    cat <<'EOF'
Usage: lab.sh COMMAND DIR [OPTIONS]

A throwaway Postfix instance (own config, queue and data directories under DIR,
smtpd on 127.0.0.1 only) filled with a realistic NDR storm. Needs root and
Postfix with pcre map support (apt-get install postfix postfix-pcre).

Commands:
  start DIR [--messages N] [--seed S]   create and start the instance, then fill it
                                        (default N=4000; --messages 0 leaves it empty)
  fill DIR [--messages N] [--seed S]    inject N more messages and wait until the
                                        queue settles; rewrites DIR/manifest.json
  settle DIR                            wait until nothing is in maildrop/incoming/active
  env DIR                               print shell exports for the instance
                                        (eval "$(lab.sh env DIR)"; then postqueue -j …)
  status DIR                            messages per queue
  stop DIR                              stop the instance and remove DIR

The mix (N total): 75% NDRs (MAILER-DAEMON to forged senders at victim-a..e.example,
one delay reason per victim domain), 20% outbound spam submitted as the SASL account
partner@example.test from foreign client addresses (XCLIENT), 5% legitimate mail from
local users, a few of those on hold.
EOF
}

die() {
    echo "lab.sh: $*" >&2
    exit 1
}

need_root() {
    [[ $(id -u) -eq 0 ]] || die "must run as root (postfix start needs it); try: sudo $0 $*"
}

need_postfix() {
    local bin
    for bin in postfix postconf postqueue postsuper postcat sendmail; do
        command -v "$bin" >/dev/null 2>&1 || [[ -x /usr/sbin/$bin ]] ||
            die "$bin not found; install Postfix (apt-get install postfix postfix-pcre)"
    done
    postconf -m 2>/dev/null | grep -qx pcre ||
        die "Postfix has no pcre map support; install postfix-pcre"
    command -v python3 >/dev/null 2>&1 || die "python3 not found (used to inject mail)"
}

# Absolute path of DIR without requiring it to exist.
abs_dir() {
    local d=$1
    [[ -n $d ]] || die "missing DIR"
    case $d in
    /*) ;;
    *) d="$PWD/$d" ;;
    esac
    # Strip trailing slashes; refuse the root and the default instance's paths.
    d=${d%/}
    case $d in
    "" | / | /etc | /etc/postfix | /etc/postfix/* | /var/spool/postfix | /var/spool/postfix/* | /var/lib/postfix*)
        die "refusing to use $1: that belongs to the machine's default Postfix"
        ;;
    esac
    printf '%s\n' "$d"
}

need_lab() {
    [[ -f $1/$LAB_MARKER ]] || die "$1 is not a lab directory (no $LAB_MARKER)"
}

# A free TCP port on 127.0.0.1, chosen by the kernel.
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# The default main.cf must list DIR/etc in alternate_config_directories before a non-root
# user may run `postqueue -c DIR/etc` (postqueue is set-gid). Several labs may start and
# stop at once (parallel tests), so the read-modify-write is serialised with flock and only
# our own entry is added or removed.
alt_dirs_edit() {
    local action=$1 confdir=$2
    mkdir -p "$(dirname "$ALT_LOCK")"
    (
        flock -w 30 9 || die "cannot lock $ALT_LOCK"
        local current new=() entry found=0
        current=$(postconf -h alternate_config_directories 2>/dev/null || true)
        for entry in ${current//,/ }; do
            if [[ $entry == "$confdir" ]]; then
                found=1
                [[ $action == remove ]] && continue
            fi
            new+=("$entry")
        done
        if [[ $action == add && $found -eq 0 ]]; then
            new+=("$confdir")
        elif [[ $action == add || ($action == remove && $found -eq 0) ]]; then
            exit 0
        fi
        postconf -e "alternate_config_directories = ${new[*]}"
    ) 9>"$ALT_LOCK"
}

write_config() {
    local dir=$1 port=$2 closed=$3
    local etc=$dir/etc
    cat >"$etc/main.cf" <<EOF
# mailq-tui lab instance (scripts/lab.sh). Throwaway: removed by 'lab.sh stop $dir'.
compatibility_level = 3.6
queue_directory = $dir/spool
data_directory = $dir/data
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.lab.test
mydomain = lab.test
myorigin = lab.test
mydestination = lab.test, mx.lab.test, localhost
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
relayhost =
disable_dns_lookups = yes
smtp_host_lookup = native
# Debian's "Local only" sets both to error: route everything remote to a closed port on
# loopback (Connection refused) unless transport.pcre names a retry: text.
default_transport = smtp:[127.0.0.1]:$closed
relay_transport = smtp:[127.0.0.1]:$closed
transport_maps = pcre:$etc/transport.pcre
# Accept any local recipient so that spam to non-existent users bounces after the fact:
# that is what makes backscatter.
local_recipient_maps =
alias_maps =
alias_database =
# A compromised SASL account without a SASL server: XCLIENT LOGIN=… from loopback.
smtpd_sasl_auth_enable = yes
smtpd_authorized_xclient_hosts = 127.0.0.0/8
smtpd_relay_restrictions = permit_sasl_authenticated, permit_mynetworks, reject_unauth_destination
smtpd_tls_security_level = none
smtp_tls_security_level = none
smtpd_banner = \$myhostname ESMTP mailq-tui lab
# Keep deferred mail where it is.
queue_run_delay = 1d
minimal_backoff_time = 1d
maximal_backoff_time = 2d
maximal_queue_lifetime = 30d
bounce_queue_lifetime = 30d
biff = no
append_dot_mydomain = no
mailbox_size_limit = 0
EOF
    cat >"$etc/master.cf" <<EOF
# mailq-tui lab: smtpd on 127.0.0.1:$port only; nothing chrooted.
# service type  private unpriv  chroot  wakeup  maxproc command + args
127.0.0.1:$port inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
    # One delay-reason family per victim domain (the NDRs' recipients), and an ordinary
    # one for legitimate mail. Patterns are anchored on '@': trivial-rewrite also looks up
    # bare local parts and '.domain'.
    cat >"$etc/transport.pcre" <<'EOF'
/@victim-a\.example$/ retry:4.4.1 connect to mx1.victim-a.example[192.0.2.10]:25: Connection timed out
/@victim-b\.example$/ retry:4.4.1 connect to mx.victim-b.example[192.0.2.11]:25: Connection refused
/@victim-c\.example$/ retry:4.7.1 host mx.victim-c.example[192.0.2.12] said: 450 4.7.1 Recipient address rejected: Greylisted, please try again in 300 seconds (in reply to RCPT TO command)
/@victim-d\.example$/ retry:4.7.0 host mx.victim-d.example[192.0.2.13] said: 421 4.7.0 Too many messages from 198.51.100.25, rate limit exceeded, try again later (in reply to MAIL FROM command)
/@victim-e\.example$/ retry:4.4.3 Host or domain name not found. Name service error for name=victim-e.example type=MX: Host not found, try again
/@partner\.example$/ retry:4.4.2 lost connection with mx.partner.example[192.0.2.20] while receiving the initial server greeting
EOF
}

cmd_start() {
    local dir messages=$DEFAULT_MESSAGES seed=1 port closed
    dir=$(abs_dir "${1:-}")
    shift
    while [[ $# -gt 0 ]]; do
        case $1 in
        --messages) messages=${2:?--messages needs N}; shift 2 ;;
        --seed) seed=${2:?--seed needs S}; shift 2 ;;
        *) die "start: unknown option $1" ;;
        esac
    done
    need_root start
    need_postfix
    if [[ -e $dir ]]; then
        [[ -d $dir && -z $(ls -A "$dir") ]] || die "$dir exists and is not empty"
    fi
    mkdir -p "$dir"/etc "$dir"/spool "$dir"/data
    touch "$dir/$LAB_MARKER"
    # shellcheck disable=SC2064 # expand $dir now
    trap "[[ \$? -eq 0 ]] || echo 'lab: start failed; remove the half-started lab with: $0 stop $dir' >&2" EXIT
    # Readable by everyone: non-root users (tests run as nobody) need main.cf.
    chmod 755 "$dir" "$dir/etc" "$dir/spool"
    chown postfix: "$dir/data"
    chmod 700 "$dir/data"
    port=$(free_port)
    closed=$(free_port)
    while [[ $closed == "$port" ]]; do closed=$(free_port); done
    write_config "$dir" "$port" "$closed"
    printf '{"port": %s, "closed_port": %s}\n' "$port" "$closed" >"$dir/ports.json"
    alt_dirs_edit add "$dir/etc"
    # post-install creates the queue directories with the right owners and modes.
    if ! out=$(postfix -c "$dir/etc" check 2>&1); then
        echo "$out" >&2
        die "postfix check failed for $dir/etc"
    fi
    if ! out=$(postfix -c "$dir/etc" start 2>&1); then
        echo "$out" >&2
        die "postfix -c $dir/etc start failed"
    fi
    # master opens the smtpd listener right away; wait until it answers.
    local i
    for i in $(seq 1 100); do
        if python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1",int(sys.argv[1])),1).close()' "$port" 2>/dev/null; then
            break
        fi
        sleep 0.1
    done
    echo "lab: Postfix started: config $dir/etc, smtpd 127.0.0.1:$port" >&2
    cmd_fill "$dir" --messages "$messages" --seed "$seed"
}

cmd_fill() {
    local dir messages=$DEFAULT_MESSAGES seed=1
    dir=$(abs_dir "${1:-}")
    shift
    while [[ $# -gt 0 ]]; do
        case $1 in
        --messages) messages=${2:?--messages needs N}; shift 2 ;;
        --seed) seed=${2:?--seed needs S}; shift 2 ;;
        *) die "fill: unknown option $1" ;;
        esac
    done
    need_root fill
    need_lab "$dir"
    local t0=$SECONDS before
    settle "$dir"
    # Every injected message ends up as exactly one queued message (a spam to one local
    # user becomes one NDR), so the fill is done when this many are deferred or held.
    before=$(($(queue_files "$dir" deferred) + $(queue_files "$dir" hold)))
    python3 - "$dir" "$messages" "$seed" <<'PY'
import base64, json, os, random, smtplib, subprocess, sys, threading, time

lab, total, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
etc = os.path.join(lab, "etc")
ports = json.load(open(os.path.join(lab, "ports.json")))
port = ports["port"]
state_path = os.path.join(lab, "state.json")
state = json.load(open(state_path)) if os.path.exists(state_path) else {"fills": 0, "held_ids": []}
rng = random.Random(seed * 1000 + state["fills"])

VICTIMS = [  # (domain, weight) -- the storm is uneven, as real ones are
    ("victim-a.example", 35), ("victim-b.example", 25), ("victim-c.example", 20),
    ("victim-d.example", 12), ("victim-e.example", 8),
]
def b64word(text, charset):
    return "=?%s?B?%s?=" % (charset, base64.b64encode(text.encode(charset)).decode())
CAMPAIGNS = [
    ('"CANADA PHARMACY" <sales@canada-pharmacy.example>', "Cheap meds online - 80% OFF today only"),
    ('%s <no-reply@rakuten-secure.example>' % b64word("楽天カード", "utf-8"),
     b64word("【重要】アカウント確認のお願い", "utf-8")),
    ('%s <info@amaz0n-jp.example>' % b64word("アマゾン", "iso-2022-jp"),
     b64word("お支払い方法の確認が必要です", "iso-2022-jp")),
]
SASL_USER = "partner@example.test"
CLIENTS = ["186.216.156.42", "177.54.144.3", "91.203.5.146", "103.76.228.9"]
OUT_DOMAINS = ["mail-%s.example" % c for c in "abcdefgh"]  # spam fans out over many domains
LEGIT_SENDERS = ["alice@lab.test", "bob@lab.test", "carol@lab.test"]
LEGIT_DOMAINS = ["partner.example", "customer.example"]
HELD_PER_FILL = 5

n_ndr = total * 75 // 100
n_out = total * 20 // 100
n_legit = total - n_ndr - n_out

def weighted(items):
    return rng.choices([d for d, _ in items], weights=[w for _, w in items])[0]

def message(mail_from, rcpts, from_hdr, subject, body, n):
    mid = "<%d.%d.%d@%s>" % (seed, state["fills"], n, mail_from.split("@")[-1] or "lab.test")
    hdr = "From: %s\r\nTo: %s\r\nSubject: %s\r\nMessage-ID: %s\r\nDate: Tue, 04 Feb 2025 10:00:00 +0900\r\nMIME-Version: 1.0\r\n" % (
        from_hdr, ", ".join(rcpts), subject, mid)
    hdr += "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
    return (hdr + body + "\r\n").encode("utf-8")

# Plan every message first (deterministic for a given seed), then send.
ndr_jobs, out_jobs, legit_jobs, sendmail_jobs = [], [], [], []
for i in range(n_ndr):
    victim = weighted(VICTIMS)
    forged = "%s%d@%s" % (rng.choice(["info", "sales", "noreply", "user", "admin"]), rng.randrange(100000), victim)
    luser = "%s%d@lab.test" % (rng.choice(["k.tanaka", "m.suzuki", "y.sato", "webmaster", "h.ito"]), rng.randrange(1000, 100000))
    from_hdr, subject = CAMPAIGNS[i % len(CAMPAIGNS)]
    ndr_jobs.append((forged, [luser], message(forged, [luser], from_hdr, subject, "Buy now: http://pharmacy.example/%d" % i, i)))
for i in range(n_out):
    k = rng.randrange(2, 6)
    rcpts = ["%s%d@%s" % (rng.choice(["john", "mary", "kenji", "yuki"]), rng.randrange(100000), rng.choice(OUT_DOMAINS)) for _ in range(k)]
    from_hdr, subject = CAMPAIGNS[i % len(CAMPAIGNS)]
    sender = SASL_USER if i % 2 == 0 else from_hdr.split("<")[1].rstrip(">")
    out_jobs.append((sender, rcpts, message(sender, rcpts, from_hdr, subject, "Special offer %d" % i, n_ndr + i)))
for i in range(n_legit):
    sender = LEGIT_SENDERS[i % len(LEGIT_SENDERS)]
    rcpt = "%s@%s" % (rng.choice(["sales", "support", "tanaka", "order"]), LEGIT_DOMAINS[i % len(LEGIT_DOMAINS)])
    out = message(sender, [rcpt], sender, "Re: invoice %d" % (1000 + i), "Please find the figures below.\r\n-- \r\n%s" % sender, n_ndr + n_out + i)
    (sendmail_jobs if i % 2 == 0 else legit_jobs).append((sender, [rcpt], out))

errors = []
def send(jobs, xclient=None):
    try:
        s = smtplib.SMTP("127.0.0.1", port, local_hostname="client.lab.test", timeout=120)
        s.ehlo()
        if xclient:
            code, msg = s.docmd("XCLIENT", xclient)
            if code != 220:
                raise RuntimeError("XCLIENT %s refused: %d %s" % (xclient, code, msg))
            s.ehlo_resp = None
            s.ehlo("ylmf-pc")
        for sender, rcpts, data in jobs:
            s.sendmail(sender, rcpts, data)
        s.quit()
    except Exception as e:  # reported after all threads finished
        errors.append("%s: %r" % (xclient or "smtp", e))

def chunks(jobs, n):
    return [jobs[i::n] for i in range(n)] if jobs else []

threads = []
for part in chunks(ndr_jobs, 3) + chunks(legit_jobs, 1):
    threads.append(threading.Thread(target=send, args=(part,)))
# One connection per identity: XCLIENT works once per session.
for ci, part in enumerate(chunks(out_jobs, len(CLIENTS))):
    xc = "LOGIN=%s ADDR=%s NAME=[UNAVAILABLE] HELO=%s" % (SASL_USER, CLIENTS[ci], "ylmf-pc")
    threads.append(threading.Thread(target=send, args=(part, xc)))
for t in threads: t.start()
# Local users submit with sendmail (pickup, no smtpd): the only way a retry: transport
# (partner.example) is not refused at RCPT time. Half of the legitimate mail goes this way.
for sender, rcpts, data in sendmail_jobs:
    r = subprocess.run(["sendmail", "-C", etc, "-f", sender, "-i", "--"] + rcpts, input=data, capture_output=True)
    if r.returncode != 0:
        errors.append("sendmail: %s" % r.stderr.decode(errors="replace"))
        break
for t in threads: t.join()
if errors:
    sys.exit("lab: injection failed: " + "; ".join(errors))

state["fills"] += 1
state.setdefault("injected", {"ndr": 0, "spam_out": 0, "legit": 0})
state["injected"]["ndr"] += n_ndr
state["injected"]["spam_out"] += n_out
state["injected"]["legit"] += n_legit
state["held_per_fill"] = HELD_PER_FILL
json.dump(state, open(state_path, "w"))
print("lab: injected %d spam to local users (-> NDRs), %d outbound spam, %d legitimate" % (n_ndr, n_out, n_legit), file=sys.stderr)
PY
    settle "$dir" "$((before + messages))"
    hold_some "$dir"
    write_manifest "$dir"
    echo "lab: fill done in $((SECONDS - t0)) s" >&2
}

# Count queue files per queue directly (root): cheaper than postqueue while waiting.
queue_files() {
    find "$1/spool/$2" -type f 2>/dev/null | wc -l
}

# Wait until every message is in deferred or hold. After a fill, also until the expected
# total has arrived (NDRs appear only after local delivery of the spam bounced); otherwise
# (after a requeue, say) until nothing was busy on two checks in a row.
settle() {
    local dir=$1 expected=${2:-0} deadline busy settled quiet=0
    deadline=$((SECONDS + 120 + expected / 50))
    while :; do
        busy=$(($(queue_files "$dir" maildrop) + $(queue_files "$dir" incoming) + $(queue_files "$dir" active)))
        settled=$(($(queue_files "$dir" deferred) + $(queue_files "$dir" hold)))
        if [[ $busy -eq 0 ]]; then
            quiet=$((quiet + 1))
        else
            quiet=0
        fi
        if [[ $busy -eq 0 && $expected -gt 0 && $settled -ge $expected ]] || [[ $expected -eq 0 && $quiet -ge 2 ]]; then
            return 0
        fi
        # postsuper -r leaves mail in maildrop without waking pickup (it would wait for
        # its 60 s timer): wake it, as sendmail/postdrop do.
        if [[ $(queue_files "$dir" maildrop) -gt 0 ]]; then
            postkick -c "$dir/etc" public pickup W 2>/dev/null || true
        fi
        if [[ $SECONDS -ge $deadline ]]; then
            die "queue did not settle: $busy busy, $settled of $expected in deferred/hold"
        fi
        sleep 0.5
    done
}

# Put a few legitimate messages on hold: an admin's "keep this, look later".
hold_some() {
    local dir=$1
    python3 - "$dir" <<'PY'
import json, os, subprocess, sys
lab = sys.argv[1]
state_path = os.path.join(lab, "state.json")
state = json.load(open(state_path))
out = subprocess.run(["postqueue", "-c", os.path.join(lab, "etc"), "-j"], capture_output=True, text=True, check=True).stdout
legit = sorted(m["queue_id"] for m in map(json.loads, out.splitlines())
               if m["queue_name"] == "deferred" and m["sender"] in ("alice@lab.test", "bob@lab.test", "carol@lab.test"))
ids = legit[: state["held_per_fill"]]
if ids:
    r = subprocess.run(["postsuper", "-c", os.path.join(lab, "etc"), "-h", "-"], input="\n".join(ids) + "\n",
                       capture_output=True, text=True)
    placed = [l.split(":")[1].strip() for l in r.stderr.splitlines() if l.endswith(": placed on hold")]
    if sorted(placed) != ids:
        sys.exit("lab: postsuper -h placed %r, wanted %r: %s" % (placed, ids, r.stderr))
    state["held_ids"] += ids
json.dump(state, open(state_path, "w"))
PY
}

# DIR/manifest.json: what the queue holds now, classified from `postqueue -j`, plus the
# facts the tests check against (reasons per victim domain, SASL account, client addresses).
write_manifest() {
    local dir=$1
    python3 - "$dir" <<'PY'
import json, os, subprocess, sys
lab = sys.argv[1]
etc = os.path.join(lab, "etc")
state = json.load(open(os.path.join(lab, "state.json")))
ports = json.load(open(os.path.join(lab, "ports.json")))
null = subprocess.run(["postconf", "-c", etc, "-h", "empty_address_recipient"], capture_output=True, text=True, check=True).stdout.strip()
version = subprocess.run(["postconf", "-c", etc, "-h", "mail_version"], capture_output=True, text=True, check=True).stdout.strip()
out = subprocess.run(["postqueue", "-c", etc, "-j"], capture_output=True, text=True, check=True).stdout
msgs = [json.loads(l) for l in out.splitlines() if l.strip()]
reasons = {}
for line in open(os.path.join(etc, "transport.pcre")):
    pat, _, rest = line.strip().partition(" ")
    dom = pat.strip("/").lstrip("@").rstrip("$").replace("\\.", ".")
    reasons[dom] = rest.split(" ", 1)[1] if rest.startswith("retry:") else rest
LEGIT = {"alice@lab.test", "bob@lab.test", "carol@lab.test"}
SASL_USER = "partner@example.test"
cat = {"ndr": [], "spam_out": [], "legit": []}
by_domain = {}
queues = {}
for m in msgs:
    queues[m["queue_name"]] = queues.get(m["queue_name"], 0) + 1
    if m["sender"] == null:
        cat["ndr"].append(m["queue_id"])
        dom = m["recipients"][0]["address"].rsplit("@", 1)[-1]
        by_domain.setdefault(dom, {"count": 0, "reason": reasons.get(dom)})["count"] += 1
    elif m["sender"] in LEGIT:
        cat["legit"].append(m["queue_id"])
    else:
        cat["spam_out"].append(m["queue_id"])
manifest = {
    "lab_dir": lab,
    "config_dir": etc,
    "queue_dir": os.path.join(lab, "spool"),
    "smtpd": "127.0.0.1:%d" % ports["port"],
    "closed_port": ports["closed_port"],
    "mail_version": version,
    "empty_address_recipient": null,
    "fills": state["fills"],
    "injected": state["injected"],
    "total": len(msgs),
    "queues": queues,
    "ndr": {"count": len(cat["ndr"]), "by_domain": by_domain,
            "campaign_from": ["CANADA PHARMACY", "rakuten-secure.example", "amaz0n-jp.example"]},
    "spam_out": {"count": len(cat["spam_out"]), "sasl_username": SASL_USER,
                 "client_addresses": ["186.216.156.42", "177.54.144.3", "91.203.5.146", "103.76.228.9"],
                 "recipient_domains": ["mail-%s.example" % c for c in "abcdefgh"],
                 "senders": [SASL_USER, "sales@canada-pharmacy.example", "no-reply@rakuten-secure.example", "info@amaz0n-jp.example"]},
    "legit": {"count": len(cat["legit"]), "senders": sorted(LEGIT), "held": state["held_ids"]},
    "ids": {k: sorted(v) for k, v in cat.items()},
}
tmp = os.path.join(lab, "manifest.json.tmp")
json.dump(manifest, open(tmp, "w"), indent=1)
os.chmod(tmp, 0o644)
os.replace(tmp, os.path.join(lab, "manifest.json"))
print("lab: %d messages (%s): %d NDRs, %d outbound spam, %d legitimate (%d on hold)" % (
    len(msgs), ", ".join("%s %d" % kv for kv in sorted(queues.items())), len(cat["ndr"]),
    len(cat["spam_out"]), len(cat["legit"]), len(state["held_ids"])), file=sys.stderr)
PY
}

cmd_settle() {
    local dir
    dir=$(abs_dir "${1:-}")
    need_root settle
    need_lab "$dir"
    settle "$dir"
}

cmd_status() {
    local dir q
    dir=$(abs_dir "${1:-}")
    need_lab "$dir"
    for q in maildrop incoming active deferred hold; do
        printf '%-9s %s\n' "$q" "$(queue_files "$dir" "$q")"
    done
}

cmd_env() {
    local dir
    dir=$(abs_dir "${1:-}")
    need_lab "$dir"
    # MAIL_CONFIG makes postqueue/postsuper/postcat/sendmail use the lab instance.
    printf 'export MAIL_CONFIG=%q\n' "$dir/etc"
    printf 'export MAILQ_TUI_LAB=%q\n' "$dir"
    printf '# then: mailq-tui --config-dir "$MAIL_CONFIG"   or   postqueue -j\n'
}

cmd_stop() {
    local dir
    dir=$(abs_dir "${1:-}")
    need_root stop
    [[ -e $dir ]] || return 0
    need_lab "$dir"
    if [[ -f $dir/etc/main.cf ]]; then
        # 'stop' waits for master to exit; 'abort' if it is wedged. Either way only this
        # instance (-c) is addressed.
        if postfix -c "$dir/etc" status >/dev/null 2>&1; then
            postfix -c "$dir/etc" stop >/dev/null 2>&1 || postfix -c "$dir/etc" abort >/dev/null 2>&1 || true
        fi
        local pidfile=$dir/spool/pid/master.pid pid i
        if [[ -f $pidfile ]]; then
            pid=$(tr -dc 0-9 <"$pidfile")
            for i in $(seq 1 100); do
                [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || break
                sleep 0.1
            done
        fi
        alt_dirs_edit remove "$dir/etc"
    fi
    rm -rf -- "$dir"
    echo "lab: stopped and removed $dir" >&2
}

main() {
    local cmd=${1:-}
    [[ $# -gt 0 ]] && shift
    case $cmd in
    start) cmd_start "$@" ;;
    fill) cmd_fill "$@" ;;
    settle) cmd_settle "$@" ;;
    status) cmd_status "$@" ;;
    env) cmd_env "$@" ;;
    stop) cmd_stop "$@" ;;
    -h | --help | help) usage ;;
    *)
        usage >&2
        exit 2
        ;;
    esac
}

main "$@"
