#!/usr/bin/env bash
# mailq-tui lab, second profile: a storm with OTHER shapes than lab.sh's, injected into a
# throwaway Postfix started by scripts/lab.sh (see tests/common/shapes.rs for the shapes:
# random display names, rotating subjects, campaigns sharing only a URL host or a
# Message-ID pattern, Exim/Exchange/qmail NDRs, a compromised account driven from two
# addresses, a newsletter that is not a compromise).
#
#   cargo run --example gen-shapes -- --ndrs 1200 --seed 7 > /tmp/plan.jsonl
#   sudo scripts/lab-shapes.sh start /tmp/mqshapes /tmp/plan.jsonl
#   sudo mailq-tui --config-dir /tmp/mqshapes/etc storm
#   sudo scripts/lab.sh stop /tmp/mqshapes
#
# The plan is JSON lines: {"what","from","rcpts","xclient":null|{"login","addr"},"data_b64"}.
# Spam to local users (Postfix bounces it into its own NDRs) and SASL sessions go over SMTP
# (XCLIENT for the accounts); finished NDRs of other MTAs and mail to domains routed to a
# retry: transport go through sendmail, as smtpd refuses those at RCPT time.
set -euo pipefail
unset MAIL_CONFIG

here=$(cd "$(dirname "$0")" && pwd)

die() {
    echo "lab-shapes.sh: $*" >&2
    exit 1
}

usage() {
    sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'
    echo "Usage: lab-shapes.sh start DIR PLAN | inject DIR PLAN"
}

inject() {
    local dir=$1 plan=$2
    [[ -f $dir/.mailq-tui-lab ]] || die "$dir is not a lab (scripts/lab.sh start DIR --messages 0)"
    [[ -r $plan ]] || die "cannot read plan $plan"
    python3 - "$dir" "$plan" <<'PY'
import base64, json, os, smtplib, subprocess, sys, threading, time

lab, plan_path = sys.argv[1], sys.argv[2]
etc = os.path.join(lab, "etc")
port = json.load(open(os.path.join(lab, "ports.json")))["port"]
RETRY = tuple("@victim-%s.example" % c for c in "abcde") + ("@partner.example",)

def count(q):
    n = 0
    for _, _, files in os.walk(os.path.join(lab, "spool", q)):
        n += len(files)
    return n

before = count("deferred") + count("hold")
smtp, sessions, local = [], {}, []
plan = [json.loads(l) for l in open(plan_path) if l.strip()]
for p in plan:
    data = base64.b64decode(p["data_b64"])
    job = (p["from"], p["rcpts"], data)
    if p["xclient"]:
        key = (p["xclient"]["login"], p["xclient"]["addr"])
        sessions.setdefault(key, []).append(job)
    elif p["from"] == "" or any(r.endswith(RETRY) for r in p["rcpts"]):
        local.append(job)
    else:
        smtp.append(job)

errors = []
def send(jobs, xclient=None):
    try:
        s = smtplib.SMTP("127.0.0.1", port, local_hostname="client.lab.test", timeout=120)
        s.ehlo()
        if xclient:
            code, msg = s.docmd("XCLIENT", "LOGIN=%s ADDR=%s NAME=[UNAVAILABLE] HELO=ylmf-pc" % xclient)
            if code != 220:
                raise RuntimeError("XCLIENT refused: %d %s" % (code, msg))
            s.ehlo_resp = None
            s.ehlo("ylmf-pc")
        for sender, rcpts, data in jobs:
            s.sendmail(sender, rcpts, data)
        s.quit()
    except Exception as e:
        errors.append("%s: %r" % (xclient or "smtp", e))

threads = [threading.Thread(target=send, args=(smtp[i::3],)) for i in range(3) if smtp[i::3]]
threads += [threading.Thread(target=send, args=(jobs, key)) for key, jobs in sessions.items()]
for t in threads: t.start()
for sender, rcpts, data in local:
    r = subprocess.run(["sendmail", "-C", etc, "-f", sender or "<>", "-i", "--"] + rcpts, input=data, capture_output=True)
    if r.returncode != 0:
        errors.append("sendmail: %s" % r.stderr.decode(errors="replace"))
        break
for t in threads: t.join()
if errors:
    sys.exit("lab-shapes: injection failed: " + "; ".join(errors[:3]))

expected = before + len(plan)
deadline = time.time() + 180 + len(plan) / 20
while True:
    busy = count("maildrop") + count("incoming") + count("active")
    settled = count("deferred") + count("hold")
    if busy == 0 and settled >= expected:
        break
    if count("maildrop"):
        subprocess.run(["postkick", "-c", etc, "public", "pickup", "W"], capture_output=True)
    if time.time() > deadline:
        sys.exit("lab-shapes: queue did not settle: %d busy, %d of %d queued" % (busy, settled, expected))
    time.sleep(0.5)
print("lab-shapes: injected %d messages (%d over SMTP, %d SASL sessions, %d via sendmail); %d queued" %
      (len(plan), len(smtp), len(sessions), len(local), settled), file=sys.stderr)
PY
}

case ${1:-} in
start)
    [[ $# -eq 3 ]] || { usage; exit 2; }
    "$here/lab.sh" start "$2" --messages 0
    inject "$2" "$3"
    ;;
inject)
    [[ $# -eq 3 ]] || { usage; exit 2; }
    inject "$2" "$3"
    ;;
*)
    usage
    exit 2
    ;;
esac
