# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_mailq_tui_global_optspecs
    string join \n c/config-dir= demo from-file= read-only refresh= alert-at= config= audit-log= host= host-timeout= log-level= log= since= no-log print-keys h/help V/version
end

function __fish_mailq_tui_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_mailq_tui_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_mailq_tui_using_subcommand
    set -l cmd (__fish_mailq_tui_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c mailq-tui -n "__fish_mailq_tui_needs_command" -s c -l config-dir -d 'Postfix configuration directory of the instance to manage (passed as `-c DIR`)' -r -F
complete -c mailq-tui -n "__fish_mailq_tui_needs_command" -l from-file -d 'Read the queue from a capture instead of Postfix: `postqueue -j` JSON or `postqueue -p`/`mailq` text (told apart automatically); `-` reads standard input' -r -F
complete -c mailq-tui -n "__fish_mailq_tui_needs_command" -l refresh -d 'Auto-refresh interval in seconds' -r
complete -c mailq-tui -n "__fish_mailq_tui_needs_command" -l alert-at -d 'Alert when the deferred queue holds at least N messages' -r
complete -c mailq-tui -n "__fish_mailq_tui_needs_command" -l config -d 'Configuration file (default: ~/.config/mailq-tui/config.toml, or $MAILQ_TUI_CONFIG)' -r -F
complete -c mailq-tui -n "__fish_mailq_tui_needs_command" -l audit-log -d 'Audit log file (default: in the XDG state directory)' -r -F
complete -c mailq-tui -n "__fish_mailq_tui_needs_command" -l host -d 'Run on a Postfix host over ssh: a `[[hosts]]` name from the config file, or an ssh destination (then `-c DIR` is the config dir there). Repeat for several hosts: each is handled on its own, with its output labelled' -r
complete -c mailq-tui -n "__fish_mailq_tui_needs_command" -l host-timeout -d 'Seconds a remote host may take to answer `fleet` before it is shown as down' -r
complete -c mailq-tui -n "__fish_mailq_tui_needs_command" -l log-level -d 'Log filter for the log file, e.g. `debug` or `mailq_tui::postfix=debug` (or $MAILQ_TUI_LOG)' -r
complete -c mailq-tui -n "__fish_mailq_tui_needs_command" -l log -d 'TUI: the mail log for the storm screen\'s login evidence and `login-new:` (repeatable, oldest first; default: the instance\'s own log, read in the background when needed)' -r -F
complete -c mailq-tui -n "__fish_mailq_tui_needs_command" -l since -d 'TUI: the mail log window start, as for `logins` (default: the oldest queued message, at least 24h)' -r
complete -c mailq-tui -n "__fish_mailq_tui_needs_command" -l demo -d 'Use the built-in demo queue (an NDR storm) instead of Postfix'
complete -c mailq-tui -n "__fish_mailq_tui_needs_command" -l read-only -d 'Monitor only: no path to postsuper'
complete -c mailq-tui -n "__fish_mailq_tui_needs_command" -l no-log -d 'TUI: do not read the mail log (no storm log evidence; `login-new:` matches nothing)'
complete -c mailq-tui -n "__fish_mailq_tui_needs_command" -l print-keys -d 'Print the TUI key table (markdown) and exit'
complete -c mailq-tui -n "__fish_mailq_tui_needs_command" -s h -l help -d 'Print help'
complete -c mailq-tui -n "__fish_mailq_tui_needs_command" -s V -l version -d 'Print version'
complete -c mailq-tui -n "__fish_mailq_tui_needs_command" -f -a "summary" -d 'Print the queue grouped by a key, as a table or JSON'
complete -c mailq-tui -n "__fish_mailq_tui_needs_command" -f -a "ids" -d 'Print the queue IDs matching a filter, one per line (pipe-able to `postsuper -d -`)'
complete -c mailq-tui -n "__fish_mailq_tui_needs_command" -f -a "delete" -d 'Delete the messages matching a filter'
complete -c mailq-tui -n "__fish_mailq_tui_needs_command" -f -a "hold" -d 'Put the messages matching a filter on hold'
complete -c mailq-tui -n "__fish_mailq_tui_needs_command" -f -a "release" -d 'Release the held messages matching a filter'
complete -c mailq-tui -n "__fish_mailq_tui_needs_command" -f -a "requeue" -d 'Requeue the messages matching a filter'
complete -c mailq-tui -n "__fish_mailq_tui_needs_command" -f -a "expire" -d 'Expire the messages matching a filter (`postsuper -e`, Postfix 3.5+): each is returned to its sender at the next attempt; an NDR (null sender) is discarded'
complete -c mailq-tui -n "__fish_mailq_tui_needs_command" -f -a "deliver" -d 'Attempt delivery of the messages matching a filter now (`postqueue -i`, one process per message; at most 20), then show what happened to each'
complete -c mailq-tui -n "__fish_mailq_tui_needs_command" -f -a "flush" -d 'Attempt delivery of all deferred mail now (`postqueue -f`), or of one destination\'s (`--site`, `postqueue -s`); warned during an NDR storm'
complete -c mailq-tui -n "__fish_mailq_tui_needs_command" -f -a "storm" -d 'Preview the NDR storm: size, speed, campaigns, accounts, countermeasures'
complete -c mailq-tui -n "__fish_mailq_tui_needs_command" -f -a "logins" -d 'From the mail log: SASL/IMAP logins per account and address, password guessing, what each account sent, countermeasures at work; ranked by compromise signals'
complete -c mailq-tui -n "__fish_mailq_tui_needs_command" -f -a "config" -d 'Show the configuration: `--print-default` prints the sample file, `--path` where it is read from'
complete -c mailq-tui -n "__fish_mailq_tui_needs_command" -f -a "instances" -d 'List the Postfix instances on this machine (`postmulti -l`); open one with `--config-dir`'
complete -c mailq-tui -n "__fish_mailq_tui_needs_command" -f -a "log" -d 'Show recent entries of the audit log'
complete -c mailq-tui -n "__fish_mailq_tui_needs_command" -f -a "fleet" -d 'One row per Postfix host (`--host`, or all `[[hosts]]`): counts, NDRs, storm, errors'
complete -c mailq-tui -n "__fish_mailq_tui_needs_command" -f -a "watch" -d 'Monitoring daemon, read-only: Prometheus `/metrics`, a node_exporter textfile, alerts'
complete -c mailq-tui -n "__fish_mailq_tui_needs_command" -f -a "check" -d 'Nagios/Icinga/Checkmk plugin: one status line with perfdata; exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN. Here `-c` is the critical list (use `--config-dir` for the instance)'
complete -c mailq-tui -n "__fish_mailq_tui_needs_command" -f -a "help" -d 'Explain a topic: `filter` (the filter language), `group` (grouping keys, sort orders)'
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand summary" -l by -d 'Group by KEY or KEY,KEY2 (sub-groups; see `mailq-tui help group`)' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand summary" -l top -d 'Show at most N groups (and N sub-groups per group)' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand summary" -l sort -d 'Order groups by ORDER (see `mailq-tui help group`)' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand summary" -l log -d 'Mail log for `login-new:` and `--by login-new` (repeatable, oldest first; `-` is standard input; default: the instance\'s log). Read only when the filter or the grouping asks the log' -r -F
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand summary" -l since -d 'Mail log window start for `login-new:`, as for `logins` (default: the oldest queued message, at least 24h)' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand summary" -s c -l config-dir -d 'Postfix configuration directory of the instance to manage (passed as `-c DIR`)' -r -F
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand summary" -l from-file -d 'Read the queue from a capture instead of Postfix: `postqueue -j` JSON or `postqueue -p`/`mailq` text (told apart automatically); `-` reads standard input' -r -F
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand summary" -l refresh -d 'Auto-refresh interval in seconds' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand summary" -l alert-at -d 'Alert when the deferred queue holds at least N messages' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand summary" -l config -d 'Configuration file (default: ~/.config/mailq-tui/config.toml, or $MAILQ_TUI_CONFIG)' -r -F
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand summary" -l audit-log -d 'Audit log file (default: in the XDG state directory)' -r -F
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand summary" -l host -d 'Run on a Postfix host over ssh: a `[[hosts]]` name from the config file, or an ssh destination (then `-c DIR` is the config dir there). Repeat for several hosts: each is handled on its own, with its output labelled' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand summary" -l host-timeout -d 'Seconds a remote host may take to answer `fleet` before it is shown as down' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand summary" -l log-level -d 'Log filter for the log file, e.g. `debug` or `mailq_tui::postfix=debug` (or $MAILQ_TUI_LOG)' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand summary" -l json -d 'Print JSON'
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand summary" -l shape -d 'qshape\'s view: domains × age buckets (5, 10, 20, … 1280, 1280+ minutes), by recipient domain (one count per recipient), as `qshape` prints it'
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand summary" -s s -l senders -d 'With --shape: by sender domain, one count per message (`qshape -s`)'
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand summary" -l demo -d 'Use the built-in demo queue (an NDR storm) instead of Postfix'
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand summary" -l read-only -d 'Monitor only: no path to postsuper'
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand summary" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand ids" -l log -d 'Mail log for `login-new:` and `--by login-new` (repeatable, oldest first; `-` is standard input; default: the instance\'s log). Read only when the filter or the grouping asks the log' -r -F
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand ids" -l since -d 'Mail log window start for `login-new:`, as for `logins` (default: the oldest queued message, at least 24h)' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand ids" -s c -l config-dir -d 'Postfix configuration directory of the instance to manage (passed as `-c DIR`)' -r -F
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand ids" -l from-file -d 'Read the queue from a capture instead of Postfix: `postqueue -j` JSON or `postqueue -p`/`mailq` text (told apart automatically); `-` reads standard input' -r -F
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand ids" -l refresh -d 'Auto-refresh interval in seconds' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand ids" -l alert-at -d 'Alert when the deferred queue holds at least N messages' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand ids" -l config -d 'Configuration file (default: ~/.config/mailq-tui/config.toml, or $MAILQ_TUI_CONFIG)' -r -F
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand ids" -l audit-log -d 'Audit log file (default: in the XDG state directory)' -r -F
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand ids" -l host -d 'Run on a Postfix host over ssh: a `[[hosts]]` name from the config file, or an ssh destination (then `-c DIR` is the config dir there). Repeat for several hosts: each is handled on its own, with its output labelled' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand ids" -l host-timeout -d 'Seconds a remote host may take to answer `fleet` before it is shown as down' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand ids" -l log-level -d 'Log filter for the log file, e.g. `debug` or `mailq_tui::postfix=debug` (or $MAILQ_TUI_LOG)' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand ids" -l demo -d 'Use the built-in demo queue (an NDR storm) instead of Postfix'
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand ids" -l read-only -d 'Monitor only: no path to postsuper'
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand ids" -s h -l help -d 'Print help'
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand delete" -l export -d 'Save the selected messages (envelope, headers, body) into DIR before acting' -r -F
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand delete" -l batch -d 'IDs per postsuper process' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand delete" -l log -d 'Mail log for `login-new:` and `--by login-new` (repeatable, oldest first; `-` is standard input; default: the instance\'s log). Read only when the filter or the grouping asks the log' -r -F
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand delete" -l since -d 'Mail log window start for `login-new:`, as for `logins` (default: the oldest queued message, at least 24h)' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand delete" -s c -l config-dir -d 'Postfix configuration directory of the instance to manage (passed as `-c DIR`)' -r -F
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand delete" -l from-file -d 'Read the queue from a capture instead of Postfix: `postqueue -j` JSON or `postqueue -p`/`mailq` text (told apart automatically); `-` reads standard input' -r -F
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand delete" -l refresh -d 'Auto-refresh interval in seconds' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand delete" -l alert-at -d 'Alert when the deferred queue holds at least N messages' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand delete" -l config -d 'Configuration file (default: ~/.config/mailq-tui/config.toml, or $MAILQ_TUI_CONFIG)' -r -F
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand delete" -l audit-log -d 'Audit log file (default: in the XDG state directory)' -r -F
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand delete" -l host -d 'Run on a Postfix host over ssh: a `[[hosts]]` name from the config file, or an ssh destination (then `-c DIR` is the config dir there). Repeat for several hosts: each is handled on its own, with its output labelled' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand delete" -l host-timeout -d 'Seconds a remote host may take to answer `fleet` before it is shown as down' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand delete" -l log-level -d 'Log filter for the log file, e.g. `debug` or `mailq_tui::postfix=debug` (or $MAILQ_TUI_LOG)' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand delete" -l dry-run -d 'Show the plan; change nothing'
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand delete" -s y -l yes -d 'Do not ask for confirmation'
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand delete" -l all -d 'Allow an empty filter, i.e. the entire queue'
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand delete" -l demo -d 'Use the built-in demo queue (an NDR storm) instead of Postfix'
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand delete" -l read-only -d 'Monitor only: no path to postsuper'
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand delete" -s h -l help -d 'Print help'
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand hold" -l export -d 'Save the selected messages (envelope, headers, body) into DIR before acting' -r -F
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand hold" -l batch -d 'IDs per postsuper process' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand hold" -l log -d 'Mail log for `login-new:` and `--by login-new` (repeatable, oldest first; `-` is standard input; default: the instance\'s log). Read only when the filter or the grouping asks the log' -r -F
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand hold" -l since -d 'Mail log window start for `login-new:`, as for `logins` (default: the oldest queued message, at least 24h)' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand hold" -s c -l config-dir -d 'Postfix configuration directory of the instance to manage (passed as `-c DIR`)' -r -F
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand hold" -l from-file -d 'Read the queue from a capture instead of Postfix: `postqueue -j` JSON or `postqueue -p`/`mailq` text (told apart automatically); `-` reads standard input' -r -F
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand hold" -l refresh -d 'Auto-refresh interval in seconds' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand hold" -l alert-at -d 'Alert when the deferred queue holds at least N messages' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand hold" -l config -d 'Configuration file (default: ~/.config/mailq-tui/config.toml, or $MAILQ_TUI_CONFIG)' -r -F
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand hold" -l audit-log -d 'Audit log file (default: in the XDG state directory)' -r -F
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand hold" -l host -d 'Run on a Postfix host over ssh: a `[[hosts]]` name from the config file, or an ssh destination (then `-c DIR` is the config dir there). Repeat for several hosts: each is handled on its own, with its output labelled' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand hold" -l host-timeout -d 'Seconds a remote host may take to answer `fleet` before it is shown as down' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand hold" -l log-level -d 'Log filter for the log file, e.g. `debug` or `mailq_tui::postfix=debug` (or $MAILQ_TUI_LOG)' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand hold" -l dry-run -d 'Show the plan; change nothing'
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand hold" -s y -l yes -d 'Do not ask for confirmation'
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand hold" -l all -d 'Allow an empty filter, i.e. the entire queue'
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand hold" -l demo -d 'Use the built-in demo queue (an NDR storm) instead of Postfix'
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand hold" -l read-only -d 'Monitor only: no path to postsuper'
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand hold" -s h -l help -d 'Print help'
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand release" -l export -d 'Save the selected messages (envelope, headers, body) into DIR before acting' -r -F
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand release" -l batch -d 'IDs per postsuper process' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand release" -l log -d 'Mail log for `login-new:` and `--by login-new` (repeatable, oldest first; `-` is standard input; default: the instance\'s log). Read only when the filter or the grouping asks the log' -r -F
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand release" -l since -d 'Mail log window start for `login-new:`, as for `logins` (default: the oldest queued message, at least 24h)' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand release" -s c -l config-dir -d 'Postfix configuration directory of the instance to manage (passed as `-c DIR`)' -r -F
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand release" -l from-file -d 'Read the queue from a capture instead of Postfix: `postqueue -j` JSON or `postqueue -p`/`mailq` text (told apart automatically); `-` reads standard input' -r -F
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand release" -l refresh -d 'Auto-refresh interval in seconds' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand release" -l alert-at -d 'Alert when the deferred queue holds at least N messages' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand release" -l config -d 'Configuration file (default: ~/.config/mailq-tui/config.toml, or $MAILQ_TUI_CONFIG)' -r -F
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand release" -l audit-log -d 'Audit log file (default: in the XDG state directory)' -r -F
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand release" -l host -d 'Run on a Postfix host over ssh: a `[[hosts]]` name from the config file, or an ssh destination (then `-c DIR` is the config dir there). Repeat for several hosts: each is handled on its own, with its output labelled' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand release" -l host-timeout -d 'Seconds a remote host may take to answer `fleet` before it is shown as down' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand release" -l log-level -d 'Log filter for the log file, e.g. `debug` or `mailq_tui::postfix=debug` (or $MAILQ_TUI_LOG)' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand release" -l dry-run -d 'Show the plan; change nothing'
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand release" -s y -l yes -d 'Do not ask for confirmation'
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand release" -l all -d 'Allow an empty filter, i.e. the entire queue'
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand release" -l demo -d 'Use the built-in demo queue (an NDR storm) instead of Postfix'
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand release" -l read-only -d 'Monitor only: no path to postsuper'
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand release" -s h -l help -d 'Print help'
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand requeue" -l export -d 'Save the selected messages (envelope, headers, body) into DIR before acting' -r -F
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand requeue" -l batch -d 'IDs per postsuper process' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand requeue" -l log -d 'Mail log for `login-new:` and `--by login-new` (repeatable, oldest first; `-` is standard input; default: the instance\'s log). Read only when the filter or the grouping asks the log' -r -F
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand requeue" -l since -d 'Mail log window start for `login-new:`, as for `logins` (default: the oldest queued message, at least 24h)' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand requeue" -s c -l config-dir -d 'Postfix configuration directory of the instance to manage (passed as `-c DIR`)' -r -F
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand requeue" -l from-file -d 'Read the queue from a capture instead of Postfix: `postqueue -j` JSON or `postqueue -p`/`mailq` text (told apart automatically); `-` reads standard input' -r -F
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand requeue" -l refresh -d 'Auto-refresh interval in seconds' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand requeue" -l alert-at -d 'Alert when the deferred queue holds at least N messages' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand requeue" -l config -d 'Configuration file (default: ~/.config/mailq-tui/config.toml, or $MAILQ_TUI_CONFIG)' -r -F
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand requeue" -l audit-log -d 'Audit log file (default: in the XDG state directory)' -r -F
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand requeue" -l host -d 'Run on a Postfix host over ssh: a `[[hosts]]` name from the config file, or an ssh destination (then `-c DIR` is the config dir there). Repeat for several hosts: each is handled on its own, with its output labelled' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand requeue" -l host-timeout -d 'Seconds a remote host may take to answer `fleet` before it is shown as down' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand requeue" -l log-level -d 'Log filter for the log file, e.g. `debug` or `mailq_tui::postfix=debug` (or $MAILQ_TUI_LOG)' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand requeue" -l dry-run -d 'Show the plan; change nothing'
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand requeue" -s y -l yes -d 'Do not ask for confirmation'
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand requeue" -l all -d 'Allow an empty filter, i.e. the entire queue'
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand requeue" -l demo -d 'Use the built-in demo queue (an NDR storm) instead of Postfix'
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand requeue" -l read-only -d 'Monitor only: no path to postsuper'
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand requeue" -s h -l help -d 'Print help'
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand expire" -l export -d 'Save the selected messages (envelope, headers, body) into DIR before acting' -r -F
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand expire" -l batch -d 'IDs per postsuper process' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand expire" -l log -d 'Mail log for `login-new:` and `--by login-new` (repeatable, oldest first; `-` is standard input; default: the instance\'s log). Read only when the filter or the grouping asks the log' -r -F
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand expire" -l since -d 'Mail log window start for `login-new:`, as for `logins` (default: the oldest queued message, at least 24h)' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand expire" -s c -l config-dir -d 'Postfix configuration directory of the instance to manage (passed as `-c DIR`)' -r -F
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand expire" -l from-file -d 'Read the queue from a capture instead of Postfix: `postqueue -j` JSON or `postqueue -p`/`mailq` text (told apart automatically); `-` reads standard input' -r -F
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand expire" -l refresh -d 'Auto-refresh interval in seconds' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand expire" -l alert-at -d 'Alert when the deferred queue holds at least N messages' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand expire" -l config -d 'Configuration file (default: ~/.config/mailq-tui/config.toml, or $MAILQ_TUI_CONFIG)' -r -F
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand expire" -l audit-log -d 'Audit log file (default: in the XDG state directory)' -r -F
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand expire" -l host -d 'Run on a Postfix host over ssh: a `[[hosts]]` name from the config file, or an ssh destination (then `-c DIR` is the config dir there). Repeat for several hosts: each is handled on its own, with its output labelled' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand expire" -l host-timeout -d 'Seconds a remote host may take to answer `fleet` before it is shown as down' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand expire" -l log-level -d 'Log filter for the log file, e.g. `debug` or `mailq_tui::postfix=debug` (or $MAILQ_TUI_LOG)' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand expire" -l release -d 'Also release held messages (`postsuper -f`), so that the return happens'
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand expire" -l dry-run -d 'Show the plan; change nothing'
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand expire" -s y -l yes -d 'Do not ask for confirmation'
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand expire" -l all -d 'Allow an empty filter, i.e. the entire queue'
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand expire" -l demo -d 'Use the built-in demo queue (an NDR storm) instead of Postfix'
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand expire" -l read-only -d 'Monitor only: no path to postsuper'
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand expire" -s h -l help -d 'Print help'
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand deliver" -l log -d 'Mail log for `login-new:` and `--by login-new` (repeatable, oldest first; `-` is standard input; default: the instance\'s log). Read only when the filter or the grouping asks the log' -r -F
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand deliver" -l since -d 'Mail log window start for `login-new:`, as for `logins` (default: the oldest queued message, at least 24h)' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand deliver" -s c -l config-dir -d 'Postfix configuration directory of the instance to manage (passed as `-c DIR`)' -r -F
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand deliver" -l from-file -d 'Read the queue from a capture instead of Postfix: `postqueue -j` JSON or `postqueue -p`/`mailq` text (told apart automatically); `-` reads standard input' -r -F
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand deliver" -l refresh -d 'Auto-refresh interval in seconds' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand deliver" -l alert-at -d 'Alert when the deferred queue holds at least N messages' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand deliver" -l config -d 'Configuration file (default: ~/.config/mailq-tui/config.toml, or $MAILQ_TUI_CONFIG)' -r -F
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand deliver" -l audit-log -d 'Audit log file (default: in the XDG state directory)' -r -F
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand deliver" -l host -d 'Run on a Postfix host over ssh: a `[[hosts]]` name from the config file, or an ssh destination (then `-c DIR` is the config dir there). Repeat for several hosts: each is handled on its own, with its output labelled' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand deliver" -l host-timeout -d 'Seconds a remote host may take to answer `fleet` before it is shown as down' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand deliver" -l log-level -d 'Log filter for the log file, e.g. `debug` or `mailq_tui::postfix=debug` (or $MAILQ_TUI_LOG)' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand deliver" -l dry-run -d 'Show the plan; change nothing'
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand deliver" -s y -l yes -d 'Do not ask for confirmation'
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand deliver" -l demo -d 'Use the built-in demo queue (an NDR storm) instead of Postfix'
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand deliver" -l read-only -d 'Monitor only: no path to postsuper'
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand deliver" -s h -l help -d 'Print help'
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand flush" -l site -d 'Only mail for this destination (`postqueue -s SITE`; the site must be in `fast_flush_domains`)' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand flush" -s c -l config-dir -d 'Postfix configuration directory of the instance to manage (passed as `-c DIR`)' -r -F
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand flush" -l from-file -d 'Read the queue from a capture instead of Postfix: `postqueue -j` JSON or `postqueue -p`/`mailq` text (told apart automatically); `-` reads standard input' -r -F
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand flush" -l refresh -d 'Auto-refresh interval in seconds' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand flush" -l alert-at -d 'Alert when the deferred queue holds at least N messages' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand flush" -l config -d 'Configuration file (default: ~/.config/mailq-tui/config.toml, or $MAILQ_TUI_CONFIG)' -r -F
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand flush" -l audit-log -d 'Audit log file (default: in the XDG state directory)' -r -F
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand flush" -l host -d 'Run on a Postfix host over ssh: a `[[hosts]]` name from the config file, or an ssh destination (then `-c DIR` is the config dir there). Repeat for several hosts: each is handled on its own, with its output labelled' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand flush" -l host-timeout -d 'Seconds a remote host may take to answer `fleet` before it is shown as down' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand flush" -l log-level -d 'Log filter for the log file, e.g. `debug` or `mailq_tui::postfix=debug` (or $MAILQ_TUI_LOG)' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand flush" -s y -l yes -d 'Do not ask for confirmation'
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand flush" -l demo -d 'Use the built-in demo queue (an NDR storm) instead of Postfix'
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand flush" -l read-only -d 'Monitor only: no path to postsuper'
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand flush" -s h -l help -d 'Print help'
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand storm" -l top -d 'Show at most N rows per section' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand storm" -l log -d 'Mail log for the accounts\' login evidence (repeatable; default: the instance\'s log)' -r -F
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand storm" -l since -d 'Mail log window start (as for `logins`; default: the oldest queued message, at least 24h)' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand storm" -s c -l config-dir -d 'Postfix configuration directory of the instance to manage (passed as `-c DIR`)' -r -F
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand storm" -l from-file -d 'Read the queue from a capture instead of Postfix: `postqueue -j` JSON or `postqueue -p`/`mailq` text (told apart automatically); `-` reads standard input' -r -F
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand storm" -l refresh -d 'Auto-refresh interval in seconds' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand storm" -l alert-at -d 'Alert when the deferred queue holds at least N messages' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand storm" -l config -d 'Configuration file (default: ~/.config/mailq-tui/config.toml, or $MAILQ_TUI_CONFIG)' -r -F
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand storm" -l audit-log -d 'Audit log file (default: in the XDG state directory)' -r -F
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand storm" -l host -d 'Run on a Postfix host over ssh: a `[[hosts]]` name from the config file, or an ssh destination (then `-c DIR` is the config dir there). Repeat for several hosts: each is handled on its own, with its output labelled' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand storm" -l host-timeout -d 'Seconds a remote host may take to answer `fleet` before it is shown as down' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand storm" -l log-level -d 'Log filter for the log file, e.g. `debug` or `mailq_tui::postfix=debug` (or $MAILQ_TUI_LOG)' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand storm" -l json -d 'Print JSON'
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand storm" -l no-index -d 'Do not read queue files (no campaigns or accounts; faster)'
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand storm" -l no-log -d 'Do not read the mail log'
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand storm" -l demo -d 'Use the built-in demo queue (an NDR storm) instead of Postfix'
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand storm" -l read-only -d 'Monitor only: no path to postsuper'
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand storm" -s h -l help -d 'Print help'
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand logins" -l since -d 'Window start: a duration back from now (24h, 7d) or a date/time (2026-11-29T10:00, local time unless it has a zone). Default: the oldest queued message, at least 24h' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand logins" -l log -d 'Read this log instead of finding the logs (repeatable, oldest first; `-` is standard input; gzip and `journalctl -o json` output are recognised)' -r -F
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand logins" -l top -d 'Show at most N rows per section' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand logins" -s c -l config-dir -d 'Postfix configuration directory of the instance to manage (passed as `-c DIR`)' -r -F
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand logins" -l from-file -d 'Read the queue from a capture instead of Postfix: `postqueue -j` JSON or `postqueue -p`/`mailq` text (told apart automatically); `-` reads standard input' -r -F
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand logins" -l refresh -d 'Auto-refresh interval in seconds' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand logins" -l alert-at -d 'Alert when the deferred queue holds at least N messages' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand logins" -l config -d 'Configuration file (default: ~/.config/mailq-tui/config.toml, or $MAILQ_TUI_CONFIG)' -r -F
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand logins" -l audit-log -d 'Audit log file (default: in the XDG state directory)' -r -F
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand logins" -l host -d 'Run on a Postfix host over ssh: a `[[hosts]]` name from the config file, or an ssh destination (then `-c DIR` is the config dir there). Repeat for several hosts: each is handled on its own, with its output labelled' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand logins" -l host-timeout -d 'Seconds a remote host may take to answer `fleet` before it is shown as down' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand logins" -l log-level -d 'Log filter for the log file, e.g. `debug` or `mailq_tui::postfix=debug` (or $MAILQ_TUI_LOG)' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand logins" -l json -d 'Print JSON'
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand logins" -l demo -d 'Use the built-in demo queue (an NDR storm) instead of Postfix'
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand logins" -l read-only -d 'Monitor only: no path to postsuper'
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand logins" -s h -l help -d 'Print help'
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand config" -s c -l config-dir -d 'Postfix configuration directory of the instance to manage (passed as `-c DIR`)' -r -F
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand config" -l from-file -d 'Read the queue from a capture instead of Postfix: `postqueue -j` JSON or `postqueue -p`/`mailq` text (told apart automatically); `-` reads standard input' -r -F
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand config" -l refresh -d 'Auto-refresh interval in seconds' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand config" -l alert-at -d 'Alert when the deferred queue holds at least N messages' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand config" -l config -d 'Configuration file (default: ~/.config/mailq-tui/config.toml, or $MAILQ_TUI_CONFIG)' -r -F
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand config" -l audit-log -d 'Audit log file (default: in the XDG state directory)' -r -F
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand config" -l host -d 'Run on a Postfix host over ssh: a `[[hosts]]` name from the config file, or an ssh destination (then `-c DIR` is the config dir there). Repeat for several hosts: each is handled on its own, with its output labelled' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand config" -l host-timeout -d 'Seconds a remote host may take to answer `fleet` before it is shown as down' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand config" -l log-level -d 'Log filter for the log file, e.g. `debug` or `mailq_tui::postfix=debug` (or $MAILQ_TUI_LOG)' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand config" -l print-default -d 'Print the default configuration (a commented sample file)'
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand config" -l path -d 'Print the path the configuration is read from'
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand config" -l demo -d 'Use the built-in demo queue (an NDR storm) instead of Postfix'
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand config" -l read-only -d 'Monitor only: no path to postsuper'
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand config" -s h -l help -d 'Print help'
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand instances" -s c -l config-dir -d 'Postfix configuration directory of the instance to manage (passed as `-c DIR`)' -r -F
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand instances" -l from-file -d 'Read the queue from a capture instead of Postfix: `postqueue -j` JSON or `postqueue -p`/`mailq` text (told apart automatically); `-` reads standard input' -r -F
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand instances" -l refresh -d 'Auto-refresh interval in seconds' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand instances" -l alert-at -d 'Alert when the deferred queue holds at least N messages' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand instances" -l config -d 'Configuration file (default: ~/.config/mailq-tui/config.toml, or $MAILQ_TUI_CONFIG)' -r -F
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand instances" -l audit-log -d 'Audit log file (default: in the XDG state directory)' -r -F
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand instances" -l host -d 'Run on a Postfix host over ssh: a `[[hosts]]` name from the config file, or an ssh destination (then `-c DIR` is the config dir there). Repeat for several hosts: each is handled on its own, with its output labelled' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand instances" -l host-timeout -d 'Seconds a remote host may take to answer `fleet` before it is shown as down' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand instances" -l log-level -d 'Log filter for the log file, e.g. `debug` or `mailq_tui::postfix=debug` (or $MAILQ_TUI_LOG)' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand instances" -l demo -d 'Use the built-in demo queue (an NDR storm) instead of Postfix'
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand instances" -l read-only -d 'Monitor only: no path to postsuper'
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand instances" -s h -l help -d 'Print help'
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand log" -s n -l limit -d 'Show the last N entries' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand log" -s c -l config-dir -d 'Postfix configuration directory of the instance to manage (passed as `-c DIR`)' -r -F
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand log" -l from-file -d 'Read the queue from a capture instead of Postfix: `postqueue -j` JSON or `postqueue -p`/`mailq` text (told apart automatically); `-` reads standard input' -r -F
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand log" -l refresh -d 'Auto-refresh interval in seconds' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand log" -l alert-at -d 'Alert when the deferred queue holds at least N messages' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand log" -l config -d 'Configuration file (default: ~/.config/mailq-tui/config.toml, or $MAILQ_TUI_CONFIG)' -r -F
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand log" -l audit-log -d 'Audit log file (default: in the XDG state directory)' -r -F
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand log" -l host -d 'Run on a Postfix host over ssh: a `[[hosts]]` name from the config file, or an ssh destination (then `-c DIR` is the config dir there). Repeat for several hosts: each is handled on its own, with its output labelled' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand log" -l host-timeout -d 'Seconds a remote host may take to answer `fleet` before it is shown as down' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand log" -l log-level -d 'Log filter for the log file, e.g. `debug` or `mailq_tui::postfix=debug` (or $MAILQ_TUI_LOG)' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand log" -l json -d 'Print the raw JSON lines'
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand log" -l demo -d 'Use the built-in demo queue (an NDR storm) instead of Postfix'
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand log" -l read-only -d 'Monitor only: no path to postsuper'
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand log" -s h -l help -d 'Print help'
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand fleet" -s c -l config-dir -d 'Postfix configuration directory of the instance to manage (passed as `-c DIR`)' -r -F
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand fleet" -l from-file -d 'Read the queue from a capture instead of Postfix: `postqueue -j` JSON or `postqueue -p`/`mailq` text (told apart automatically); `-` reads standard input' -r -F
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand fleet" -l refresh -d 'Auto-refresh interval in seconds' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand fleet" -l alert-at -d 'Alert when the deferred queue holds at least N messages' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand fleet" -l config -d 'Configuration file (default: ~/.config/mailq-tui/config.toml, or $MAILQ_TUI_CONFIG)' -r -F
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand fleet" -l audit-log -d 'Audit log file (default: in the XDG state directory)' -r -F
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand fleet" -l host -d 'Run on a Postfix host over ssh: a `[[hosts]]` name from the config file, or an ssh destination (then `-c DIR` is the config dir there). Repeat for several hosts: each is handled on its own, with its output labelled' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand fleet" -l host-timeout -d 'Seconds a remote host may take to answer `fleet` before it is shown as down' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand fleet" -l log-level -d 'Log filter for the log file, e.g. `debug` or `mailq_tui::postfix=debug` (or $MAILQ_TUI_LOG)' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand fleet" -l json -d 'Print JSON (one array of rows)'
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand fleet" -l demo -d 'Use the built-in demo queue (an NDR storm) instead of Postfix'
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand fleet" -l read-only -d 'Monitor only: no path to postsuper'
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand fleet" -s h -l help -d 'Print help'
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand watch" -l listen -d 'Serve Prometheus metrics at http://ADDR:PORT/metrics (default 127.0.0.1:9155 unless only --textfile is given)' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand watch" -l textfile -d 'Write the metrics in node_exporter\'s textfile format to PATH (atomically, after every listing); name it *.prom inside the textfile collector\'s directory' -r -F
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand watch" -l interval -d 'Shortest interval between listings in seconds; longer when listing is slow, so that at most ~10% of the time goes into listing [default: 15]' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand watch" -s c -l config-dir -d 'Postfix configuration directory of the instance to manage (passed as `-c DIR`)' -r -F
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand watch" -l from-file -d 'Read the queue from a capture instead of Postfix: `postqueue -j` JSON or `postqueue -p`/`mailq` text (told apart automatically); `-` reads standard input' -r -F
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand watch" -l refresh -d 'Auto-refresh interval in seconds' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand watch" -l alert-at -d 'Alert when the deferred queue holds at least N messages' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand watch" -l config -d 'Configuration file (default: ~/.config/mailq-tui/config.toml, or $MAILQ_TUI_CONFIG)' -r -F
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand watch" -l audit-log -d 'Audit log file (default: in the XDG state directory)' -r -F
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand watch" -l host -d 'Run on a Postfix host over ssh: a `[[hosts]]` name from the config file, or an ssh destination (then `-c DIR` is the config dir there). Repeat for several hosts: each is handled on its own, with its output labelled' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand watch" -l host-timeout -d 'Seconds a remote host may take to answer `fleet` before it is shown as down' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand watch" -l log-level -d 'Log filter for the log file, e.g. `debug` or `mailq_tui::postfix=debug` (or $MAILQ_TUI_LOG)' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand watch" -l all-instances -d 'Watch every Postfix instance `postmulti -l` knows (default: the local one, or `-c DIR`)'
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand watch" -l once -d 'List once, print the metrics (and run the alert rules once), and exit'
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand watch" -l no-index -d 'Do not read queue files (no compromised-account count or alert; for non-root)'
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand watch" -l demo -d 'Use the built-in demo queue (an NDR storm) instead of Postfix'
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand watch" -l read-only -d 'Monitor only: no path to postsuper'
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand watch" -s h -l help -d 'Print help'
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand check" -s w -l warning -d 'Warning thresholds: KEY=RANGE,… with keys deferred, hold, active, incoming, total, ndrs (messages), age (oldest message: 30m, 2h, 1d), ndr-share (50%); N warns above N, N: below N, ~:N above N, N:M outside N..M, @N:M inside (monitoring-plugins ranges)' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand check" -l critical -d 'Critical thresholds, as --warning (`-c` after `check` means this, as in every plugin)' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand check" -s c -l config-dir -d 'Postfix configuration directory of the instance to manage (passed as `-c DIR`)' -r -F
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand check" -l from-file -d 'Read the queue from a capture instead of Postfix: `postqueue -j` JSON or `postqueue -p`/`mailq` text (told apart automatically); `-` reads standard input' -r -F
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand check" -l refresh -d 'Auto-refresh interval in seconds' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand check" -l alert-at -d 'Alert when the deferred queue holds at least N messages' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand check" -l config -d 'Configuration file (default: ~/.config/mailq-tui/config.toml, or $MAILQ_TUI_CONFIG)' -r -F
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand check" -l audit-log -d 'Audit log file (default: in the XDG state directory)' -r -F
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand check" -l host -d 'Run on a Postfix host over ssh: a `[[hosts]]` name from the config file, or an ssh destination (then `-c DIR` is the config dir there). Repeat for several hosts: each is handled on its own, with its output labelled' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand check" -l host-timeout -d 'Seconds a remote host may take to answer `fleet` before it is shown as down' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand check" -l log-level -d 'Log filter for the log file, e.g. `debug` or `mailq_tui::postfix=debug` (or $MAILQ_TUI_LOG)' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand check" -l demo -d 'Use the built-in demo queue (an NDR storm) instead of Postfix'
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand check" -l read-only -d 'Monitor only: no path to postsuper'
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand check" -s h -l help -d 'Print help'
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand help" -s c -l config-dir -d 'Postfix configuration directory of the instance to manage (passed as `-c DIR`)' -r -F
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand help" -l from-file -d 'Read the queue from a capture instead of Postfix: `postqueue -j` JSON or `postqueue -p`/`mailq` text (told apart automatically); `-` reads standard input' -r -F
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand help" -l refresh -d 'Auto-refresh interval in seconds' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand help" -l alert-at -d 'Alert when the deferred queue holds at least N messages' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand help" -l config -d 'Configuration file (default: ~/.config/mailq-tui/config.toml, or $MAILQ_TUI_CONFIG)' -r -F
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand help" -l audit-log -d 'Audit log file (default: in the XDG state directory)' -r -F
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand help" -l host -d 'Run on a Postfix host over ssh: a `[[hosts]]` name from the config file, or an ssh destination (then `-c DIR` is the config dir there). Repeat for several hosts: each is handled on its own, with its output labelled' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand help" -l host-timeout -d 'Seconds a remote host may take to answer `fleet` before it is shown as down' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand help" -l log-level -d 'Log filter for the log file, e.g. `debug` or `mailq_tui::postfix=debug` (or $MAILQ_TUI_LOG)' -r
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand help" -l demo -d 'Use the built-in demo queue (an NDR storm) instead of Postfix'
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand help" -l read-only -d 'Monitor only: no path to postsuper'
complete -c mailq-tui -n "__fish_mailq_tui_using_subcommand help" -s h -l help -d 'Print help'
