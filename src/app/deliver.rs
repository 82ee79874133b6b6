//! Deliver now (`N`) and flush (`F`): the dialog, the effect, and the report. No IO: the
//! event loop runs [`Effect::Flush`] through [`crate::ops::flush`].

use super::{App, AskFlush, Effect, Overlay, Popup, Status};
use crate::model::format::{plural, thousands};
use crate::model::text::sanitize;
use crate::model::{MessageKey, QueueName};
use crate::ops::flush::{self, After, FlushOutcome};
use crate::postfix::Flush;

fn refuse(app: &mut App, text: String) -> Option<Effect> {
    app.status = Some(Status { text, error: true });
    None
}

/// Why no delivery may be asked for now, if so.
fn blocked(app: &App) -> Option<String> {
    if let Some(why) = &app.read_only {
        return Some(format!("read-only: {why}"));
    }
    app.applying
        .then(|| "an operation is still running".to_owned())
}

/// `N`: the marked messages (or the one/group under the cursor), at most
/// [`flush::MAX_DELIVER_NOW`].
pub(super) fn ask_deliver(app: &mut App) -> Option<Effect> {
    if let Some(why) = blocked(app) {
        return refuse(app, why);
    }
    let (indices, scope) = app.targets();
    if indices.is_empty() {
        return refuse(app, "nothing to deliver: the view is empty".to_owned());
    }
    if let Err(why) = flush::check_bound(indices.len()) {
        return refuse(app, why);
    }
    let keys: Vec<MessageKey> = indices
        .iter()
        .filter_map(|&i| app.snapshot.messages.get(i as usize))
        .map(crate::model::Message::key)
        .collect();
    let mut lines = vec![
        format!(
            "Deliver now {} message{} (postqueue -i, one each)?",
            thousands(keys.len()),
            plural(keys.len())
        ),
        format!("what: {}", sanitize(&scope)),
    ];
    lines.extend(
        keys.iter()
            .take(10)
            .map(|k| format!("  {} {}", k.queue_id, sanitize(&k.sender))),
    );
    app.overlay = Overlay::AskFlush(AskFlush {
        what: Flush::Messages(keys.iter().map(|k| k.queue_id.clone()).collect()),
        keys,
        filter: app.select.filter.text().to_owned(),
        dialog: Popup {
            title: "Deliver now".to_owned(),
            lines,
            busy: false,
        },
    });
    None
}

/// `F`: every deferred message, warned during a storm.
pub(super) fn ask_flush(app: &mut App) -> Option<Effect> {
    if let Some(why) = blocked(app) {
        return refuse(app, why);
    }
    let deferred = app.snapshot.count(&QueueName::Deferred).messages;
    let mut lines = vec![format!(
        "Flush the queue (postqueue -f): attempt all {} deferred message{} now?",
        thousands(deferred),
        plural(deferred)
    )];
    if let Some(w) = flush::storm_warning(&app.snapshot) {
        lines.push(format!("! {w}"));
    }
    app.overlay = Overlay::AskFlush(AskFlush {
        what: Flush::All,
        keys: Vec::new(),
        filter: String::new(),
        dialog: Popup {
            title: "Flush".to_owned(),
            lines,
            busy: false,
        },
    });
    None
}

/// `y` (or `Enter` for one message) in the dialog.
pub(super) fn confirmed(app: &mut App, enter: bool) -> Option<Effect> {
    let Overlay::AskFlush(ask) = &app.overlay else {
        return None;
    };
    if enter && ask.keys.len() != 1 {
        return refuse(
            app,
            "Enter confirms single messages only: press y".to_owned(),
        );
    }
    if app.read_only.is_some() {
        app.overlay = Overlay::None;
        return None;
    }
    let fx = Effect::Flush {
        what: ask.what.clone(),
        keys: ask.keys.clone(),
        filter: ask.filter.clone(),
    };
    app.applying = true;
    app.overlay = Overlay::Popup(Popup {
        title: format!("{}…", ask.dialog.title),
        lines: vec!["asking Postfix, then re-listing…".to_owned()],
        busy: true,
    });
    Some(fx)
}

/// What came back: a popup saying what happened to each message, then a fresh listing.
pub(super) fn flushed(app: &mut App, r: Result<Box<FlushOutcome>, String>) -> Option<Effect> {
    app.applying = false;
    let lines = match r {
        Ok(out) => {
            let mut lines = vec![out.headline()];
            lines.extend(out.after.iter().take(20).map(|(id, a)| match a {
                After::Left => format!("{id}: left the queue"),
                After::Queued { queue, reason } => format!(
                    "{id}: {}{}",
                    sanitize(queue.as_str()),
                    reason
                        .as_deref()
                        .map(|r| format!(": {}", crate::model::text::snippet(r, 80)))
                        .unwrap_or_default()
                ),
            }));
            lines.extend(out.errors.iter().map(|e| format!("error: {}", sanitize(e))));
            if let Err(e) = &out.audit {
                lines.push(format!("audit log not written: {e}"));
            }
            lines
        }
        Err(e) => vec![format!("failed: {}", crate::model::text::one_line(&e))],
    };
    app.overlay = Overlay::Popup(Popup {
        title: "Delivery".to_owned(),
        lines,
        busy: false,
    });
    super::update::update(app, super::Action::Refresh)
}
