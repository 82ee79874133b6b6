#!/usr/bin/env bash
# mailq-tui SASL lab: real SMTP AUTH (Cyrus SASL, sasldb) on a lab started by lab.sh, driven
# by a scripted cast of users, guessers and a "botnet", with the mail log written by
# postlogd to DIR/maillog.
#
#   sudo scripts/lab.sh start /tmp/mqlab --messages 0
#   sudo scripts/lab-sasl.sh /tmp/mqlab            # configure, run the scenario
#   mailq-tui logins --log /tmp/mqlab/maillog      # look at it
#   sudo scripts/lab.sh stop /tmp/mqlab
#
# Everything stays inside DIR: the sasldb (DIR/sasl/sasldb2), Cyrus' smtpd.conf (found
# through the instance's cyrus_sasl_config_path), the log (maillog_file = DIR/maillog).
# Clients connect from many loopback addresses (127.0.0.0/8 is all local on Linux).
# What the scenario did is written to DIR/sasl-manifest.json (the live test checks the
# log extraction against it).
set -euo pipefail
unset MAIL_CONFIG

die() {
    echo "lab-sasl.sh: $*" >&2
    exit 1
}

dir=${1:?usage: lab-sasl.sh DIR}
dir=${dir%/}
[[ -f $dir/.mailq-tui-lab ]] || die "$dir is not a lab directory (start one with lab.sh)"
[[ $(id -u) -eq 0 ]] || die "must run as root"
command -v saslpasswd2 >/dev/null 2>&1 || [[ -x /usr/sbin/saslpasswd2 ]] ||
    die "saslpasswd2 not found (apt-get install sasl2-bin libsasl2-modules)"
etc=$dir/etc

mkdir -p "$dir/sasl"
db=$dir/sasl/sasldb2
rm -f "$db"
# user:password; carol's password was phished, dave is only ever guessed at.
for entry in alice:alice-pw-1 bob:bob-pw-2 carol:carol-pw-3 dave:dave-pw-4; do
    printf '%s' "${entry#*:}" | /usr/sbin/saslpasswd2 -f "$db" -p -c -u lab.test "${entry%%:*}"
done
chown root:postfix "$db"
chmod 640 "$db"
cat >"$dir/sasl/smtpd.conf" <<EOF
pwcheck_method: auxprop
auxprop_plugin: sasldb
sasldb_path: $db
mech_list: PLAIN LOGIN
EOF
chmod 755 "$dir/sasl"
# Upstream Postfix finds it through cyrus_sasl_config_path; Debian's build looks in
# $config_directory/sasl only (seen with strace on Debian 12).
mkdir -p "$etc/sasl"
cp "$dir/sasl/smtpd.conf" "$etc/sasl/smtpd.conf"

cat >"$etc/header_checks.pcre" <<'EOF'
/^Subject:.*CANADA PHARMACY/ REJECT Spam campaign blocked (lab rule 1)
EOF

postconf -c "$etc" -e \
    "maillog_file_prefixes = $dir" \
    "maillog_file = $dir/maillog" \
    "cyrus_sasl_config_path = $dir/sasl" \
    "smtpd_sasl_type = cyrus" \
    "smtpd_sasl_path = smtpd" \
    "smtpd_sasl_auth_enable = yes" \
    "smtpd_sasl_security_options = noanonymous" \
    "smtpd_error_sleep_time = 0" \
    "smtpd_soft_error_limit = 100" \
    "smtpd_hard_error_limit = 100" \
    "header_checks = pcre:$etc/header_checks.pcre"
touch "$dir/maillog"
postfix -c "$etc" stop >/dev/null 2>&1 || true
sleep 1
postfix -c "$etc" start >/dev/null 2>&1 || die "postfix -c $etc start failed"

python3 - "$dir" <<'PY'
import base64, json, os, smtplib, socket, sys, time

lab = sys.argv[1]
port = json.load(open(os.path.join(lab, "ports.json")))["port"]
for _ in range(100):
    try:
        socket.create_connection(("127.0.0.1", port), 1).close()
        break
    except OSError:
        time.sleep(0.1)

PW = {"alice@lab.test": "alice-pw-1", "bob@lab.test": "bob-pw-2",
      "carol@lab.test": "carol-pw-3", "dave@lab.test": "dave-pw-4"}
m = {"logins": {}, "messages": {}, "recipients": {}, "failures_by_address": {},
     "failures_by_user": {}, "header_rejects": 0, "steps": []}

def session(addr, user, password, mails=(), subject="hello"):
    """One SMTP session from `addr`: AUTH PLAIN once, then each mail (a list of
    recipients). Returns True when the login succeeded."""
    s = smtplib.SMTP("127.0.0.1", port, source_address=(addr, 0), timeout=30)
    try:
        s.ehlo("client.example")
        s.user, s.password = user, password
        code, _ = s.docmd("AUTH", "PLAIN " + base64.b64encode(
            ("\0%s\0%s" % (user, password)).encode()).decode())
        if code != 235:
            m["failures_by_address"][addr] = m["failures_by_address"].get(addr, 0) + 1
            m["failures_by_user"][user] = m["failures_by_user"].get(user, 0) + 1
            m["steps"].append(["fail", addr, user])
            return False
        m["steps"].append(["login", addr, user])
        for rcpts in mails:
            body = "From: <%s>\r\nTo: <%s>\r\nSubject: %s\r\n\r\nlab\r\n" % (user, rcpts[0], subject)
            key = "%s %s" % (user, addr)
            try:
                s.sendmail(user, rcpts, body)
            except smtplib.SMTPRecipientsRefused:
                continue  # no recipient accepted: no queue ID, so Postfix logs no login
            except smtplib.SMTPDataError:
                # header_checks rejected it after a recipient was accepted: smtpd logged
                # the login (client=…, sasl_username=…) but no message was queued.
                m["header_rejects"] += 1
                m["logins"][key] = m["logins"].get(key, 0) + 1
                continue
            m["logins"][key] = m["logins"].get(key, 0) + 1
            m["messages"][user] = m["messages"].get(user, 0) + 1
            m["recipients"][user] = m["recipients"].get(user, 0) + len(rcpts)
        return True
    finally:
        try:
            s.quit()
        except Exception:
            s.close()

# Ordinary users: alice from two addresses, bob from one.
for _ in range(3):
    session("127.0.0.2", "alice@lab.test", PW["alice@lab.test"], [["friend@lab.test"]])
session("127.0.0.3", "alice@lab.test", PW["alice@lab.test"], [["friend@lab.test", "other@lab.test"]])
session("127.0.0.4", "bob@lab.test", PW["bob@lab.test"], [["boss@lab.test"], ["team@lab.test"]])
# bob's message matching header_checks is rejected by cleanup.
session("127.0.0.4", "bob@lab.test", PW["bob@lab.test"], [["boss@lab.test"]], subject="CANADA PHARMACY deals")
# A guesser at carol's password that finally gets in (the phished password).
for i in range(5):
    session("127.0.2.1", "carol@lab.test", "guess-%d" % i)
session("127.0.2.1", "carol@lab.test", PW["carol@lab.test"], [["x1@spam-a.example"]])
# A guesser at dave and at a user that does not exist.
for i in range(4):
    session("127.0.2.2", "dave@lab.test", "wrong-%d" % i)
for i in range(3):
    session("127.0.2.2", "admin@lab.test", "admin%d" % i)
# The botnet: carol's account from twelve addresses, two spam runs each.
for n in range(1, 13):
    addr = "127.0.1.%d" % n
    session(addr, "carol@lab.test", PW["carol@lab.test"],
            [["a%d@spam-a.example" % n, "b%d@spam-b.example" % n, "c%d@spam-c.example" % n],
             ["d%d@spam-d.example" % n]])
# carol's password is changed: the botnet's next attempts fail.
for n in range(1, 5):
    session("127.0.1.%d" % n, "carol@lab.test", PW["carol@lab.test"] + "-old")
json.dump(m, open(os.path.join(lab, "sasl-manifest.json"), "w"), indent=1, sort_keys=True)
PY
# Let the deliveries (deferred, sent locally) reach the log.
for _ in $(seq 1 50); do
    grep -q 'status=deferred' "$dir/maillog" 2>/dev/null && break
    sleep 0.2
done
sleep 1
echo "lab-sasl: scenario done; log $dir/maillog, manifest $dir/sasl-manifest.json" >&2
