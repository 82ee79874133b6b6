//! The terminal: raw mode and the alternate screen on the way in, and a guaranteed way out
//! (normal return, `Err`, panic, SIGTERM, SIGHUP when the SSH link drops), plus the input
//! thread that turns crossterm events into channel messages.

use std::io::{self, Stdout};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use crossterm::event::{self, Event};
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use crossterm::{cursor, execute};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use tokio::sync::mpsc;

use crate::app::Look;

pub type Term = Terminal<CrosstermBackend<Stdout>>;

/// Restores the terminal when dropped, so every `?` in the event loop restores it too.
pub struct Guard(());

impl Guard {
    /// The terminal hung up: leave it alone (nothing reads it; a write could block).
    pub fn disarm(self) {
        std::mem::forget(self);
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        restore();
    }
}

/// Enter raw mode and the alternate screen; install a panic hook that restores the terminal
/// *before* the previous hook prints the panic (otherwise the message is lost in the
/// alternate screen).
///
/// # Errors
/// When the terminal cannot be set up (not a tty); the terminal is restored first.
pub fn init() -> io::Result<(Term, Guard)> {
    let prev = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        prev(info);
    }));
    let guard = Guard(());
    enable_raw_mode()?;
    execute!(io::stdout(), EnterAlternateScreen, cursor::Hide)?;
    let term = Terminal::new(CrosstermBackend::new(io::stdout()))?;
    Ok((term, guard))
}

/// Leave raw mode and the alternate screen. Errors are ignored: this runs on the way out,
/// possibly with the tty already gone (SIGHUP), and there is nobody left to tell.
pub fn restore() {
    let _ = disable_raw_mode();
    let _ = execute!(io::stdout(), LeaveAlternateScreen, cursor::Show);
}

/// Read terminal events on a plain thread and send them to the loop.
///
/// Polls with a timeout so the thread notices `stop` and exits; between events it sleeps in
/// `poll`, so an idle TUI costs no CPU.
#[must_use]
pub fn spawn_input(tx: mpsc::Sender<Event>, stop: Arc<AtomicBool>) -> JoinHandle<()> {
    std::thread::spawn(move || {
        while !stop.load(Ordering::Relaxed) {
            match event::poll(Duration::from_millis(100)) {
                Ok(true) => match event::read() {
                    Ok(ev) => {
                        if tx.blocking_send(ev).is_err() {
                            break;
                        }
                    }
                    Err(_) => break,
                },
                Ok(false) => {}
                Err(_) => break,
            }
        }
    })
}

/// Decide colours and borders from the environment.
///
/// `NO_COLOR` (any non-empty value, per no-color.org) → monochrome. ASCII borders when the
/// locale is not UTF-8 (`LC_ALL`, then `LC_CTYPE`, then `LANG`, first non-empty wins, as in
/// setlocale(3)) or the terminal is the Linux console or `dumb`.
#[must_use]
pub fn look_from_env() -> Look {
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    look_from(
        var("NO_COLOR").is_some(),
        ["LC_ALL", "LC_CTYPE", "LANG"].into_iter().find_map(var),
        var("TERM"),
    )
}

/// The pure part of [`look_from_env`].
#[must_use]
pub fn look_from(no_color: bool, locale: Option<String>, term: Option<String>) -> Look {
    let utf8 = locale.is_some_and(|l| {
        let l = l.to_ascii_lowercase();
        l.contains("utf-8") || l.contains("utf8")
    });
    let plain_term = matches!(term.as_deref(), Some("linux" | "dumb"));
    Look {
        color: !no_color,
        ascii: !utf8 || plain_term,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn look_follows_no_color_locale_and_term() {
        let utf = Some("en_US.UTF-8".to_owned());
        let x = Some("xterm-256color".to_owned());
        assert_eq!(
            look_from(false, utf.clone(), x.clone()),
            Look {
                color: true,
                ascii: false
            }
        );
        assert!(!look_from(true, utf.clone(), x.clone()).color);
        assert!(look_from(false, Some("C".to_owned()), x.clone()).ascii);
        assert!(look_from(false, None, x).ascii);
        assert!(look_from(false, utf.clone(), Some("linux".to_owned())).ascii);
        assert!(!look_from(false, Some("ja_JP.utf8".to_owned()), None).ascii);
    }
}
