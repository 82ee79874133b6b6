//! The ONE key table. Each row is `(Mode, key, Action, description, mutates)`; the footer,
//! the `?` overlay and `--print-keys` all render from it, so a key can never be documented
//! in one place and bound differently in another.

use std::fmt;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::Mode;
use super::action::Action;

/// A key as the table stores it, after [`normalize`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

impl Key {
    #[must_use]
    pub const fn plain(code: KeyCode) -> Self {
        Self {
            code,
            mods: KeyModifiers::NONE,
        }
    }

    #[must_use]
    pub const fn ch(c: char) -> Self {
        Self::plain(KeyCode::Char(c))
    }

    #[must_use]
    pub const fn ctrl(c: char) -> Self {
        Self {
            code: KeyCode::Char(c),
            mods: KeyModifiers::CONTROL,
        }
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.mods.contains(KeyModifiers::CONTROL) {
            f.write_str("Ctrl-")?;
        }
        if self.mods.contains(KeyModifiers::ALT) {
            f.write_str("Alt-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("Space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::Enter => f.write_str("Enter"),
            KeyCode::Esc => f.write_str("Esc"),
            KeyCode::Tab => f.write_str("Tab"),
            KeyCode::BackTab => f.write_str("Shift-Tab"),
            KeyCode::Backspace => f.write_str("Backspace"),
            KeyCode::Up => f.write_str("↑"),
            KeyCode::Down => f.write_str("↓"),
            KeyCode::Left => f.write_str("←"),
            KeyCode::Right => f.write_str("→"),
            KeyCode::Home => f.write_str("Home"),
            KeyCode::End => f.write_str("End"),
            KeyCode::PageUp => f.write_str("PgUp"),
            KeyCode::PageDown => f.write_str("PgDn"),
            other => write!(f, "{other:?}"),
        }
    }
}

/// Bring a terminal key event into the table's canonical form.
///
/// Terminals disagree about Shift: one reports `Char('H')`, another `Char('H')+SHIFT`,
/// a third `Char('h')+SHIFT`. Letters are stored upper-case *without* SHIFT; other
/// printable characters (`?`, `/`, `!`) lose SHIFT since it is implied by the character;
/// `Shift-Tab` is always `BackTab` without SHIFT. Everything else keeps its modifiers.
#[must_use]
pub fn normalize(ev: KeyEvent) -> Key {
    let mut mods = ev.modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT);
    let code = match ev.code {
        KeyCode::Char(c) if c.is_ascii_alphabetic() => {
            let shifted = mods.contains(KeyModifiers::SHIFT) || c.is_ascii_uppercase();
            mods.remove(KeyModifiers::SHIFT);
            KeyCode::Char(if shifted { c.to_ascii_uppercase() } else { c })
        }
        KeyCode::Char(c) => {
            mods.remove(KeyModifiers::SHIFT);
            KeyCode::Char(c)
        }
        KeyCode::Tab if mods.contains(KeyModifiers::SHIFT) => {
            mods.remove(KeyModifiers::SHIFT);
            KeyCode::BackTab
        }
        KeyCode::BackTab => {
            mods.remove(KeyModifiers::SHIFT);
            KeyCode::BackTab
        }
        other => other,
    };
    Key { code, mods }
}

/// Parse a key as the config file writes it: `x`, `X`, `ctrl-r`, `alt-x`, `shift-tab`,
/// `enter`, `esc`, `space`, `tab`, `backspace`, `up`/`down`/`left`/`right`, `home`/`end`,
/// `pageup`/`pagedown`. The result is normalized like a terminal event.
#[must_use]
pub fn parse_key(spec: &str) -> Option<Key> {
    let mut mods = KeyModifiers::NONE;
    let mut rest = spec;
    loop {
        let lower = rest.to_ascii_lowercase();
        if let Some(r) = lower.strip_prefix("ctrl-").map(|_| &rest[5..]) {
            mods |= KeyModifiers::CONTROL;
            rest = r;
        } else if let Some(r) = lower.strip_prefix("alt-").map(|_| &rest[4..]) {
            mods |= KeyModifiers::ALT;
            rest = r;
        } else if let Some(r) = lower.strip_prefix("shift-").map(|_| &rest[6..]) {
            mods |= KeyModifiers::SHIFT;
            rest = r;
        } else {
            break;
        }
    }
    let mut chars = rest.chars();
    let code = match (chars.next(), chars.next()) {
        (Some(c), None) if !c.is_control() => KeyCode::Char(c),
        _ => match rest.to_ascii_lowercase().as_str() {
            "enter" => KeyCode::Enter,
            "esc" | "escape" => KeyCode::Esc,
            "space" => KeyCode::Char(' '),
            "tab" => KeyCode::Tab,
            "backtab" => KeyCode::BackTab,
            "backspace" => KeyCode::Backspace,
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "pageup" => KeyCode::PageUp,
            "pagedown" => KeyCode::PageDown,
            _ => return None,
        },
    };
    Some(normalize(KeyEvent::new(code, mods)))
}

/// One row of the key table.
#[derive(Debug, Clone)]
pub struct Binding {
    pub mode: Mode,
    pub key: Key,
    pub action: Action,
    pub description: &'static str,
    /// Changes the mail queue (always through the confirm dialog).
    pub mutates: bool,
}

/// The key table in use.
#[derive(Debug, Clone)]
pub struct Keymap {
    bindings: Vec<Binding>,
}

const BROWSE: &[Mode] = &[Mode::Groups, Mode::Messages];
const PANES: &[Mode] = &[Mode::Groups, Mode::Messages, Mode::Detail];
/// The panes and the storm screen: keys that work on every screen.
const SCREENS: &[Mode] = &[
    Mode::Groups,
    Mode::Messages,
    Mode::Detail,
    Mode::Storm,
    Mode::Shape,
];
/// Everywhere a cursor or a scroll position moves.
const MOVES: &[Mode] = &[
    Mode::Groups,
    Mode::Messages,
    Mode::Detail,
    Mode::Storm,
    Mode::Text,
    Mode::Sources,
    Mode::Shape,
];
const SHAPE: &[Mode] = &[Mode::Shape];
const STORM: &[Mode] = &[Mode::Storm];
const SOURCES: &[Mode] = &[Mode::Sources];
const TEXT: &[Mode] = &[Mode::Text];

/// The built-in rows: (modes, key, action, description). `mutates` is derived from the action.
fn rows() -> Vec<(&'static [Mode], Key, Action, &'static str)> {
    use KeyCode as K;
    vec![
        // Storm screen and text popup first: the footer shows hints in table order, and
        // on these screens their own keys matter more than movement.
        (
            STORM,
            Key::plain(K::Enter),
            Action::FilterToCause,
            "filter + mark cause",
        ),
        (
            STORM,
            Key::ch('l'),
            Action::FilterToCause,
            "filter + mark cause",
        ),
        (
            STORM,
            Key::ch('c'),
            Action::ShowCountermeasures,
            "countermeasures",
        ),
        (
            &[Mode::Storm, Mode::Text],
            Key::ch('w'),
            Action::WriteCountermeasures,
            "write to file",
        ),
        (
            SHAPE,
            Key::plain(K::Enter),
            Action::FilterToDomain,
            "filter to domain",
        ),
        (
            SHAPE,
            Key::ch('l'),
            Action::FilterToDomain,
            "filter to domain",
        ),
        (
            SHAPE,
            Key::ch('s'),
            Action::ToggleShapeBy,
            "sender/recipient domains",
        ),
        (SHAPE, Key::ch('h'), Action::Back, "back"),
        (SHAPE, Key::plain(K::Esc), Action::Escape, "back"),
        (
            SOURCES,
            Key::plain(K::Enter),
            Action::SwitchSource,
            "open source",
        ),
        (SOURCES, Key::ch('l'), Action::SwitchSource, "open source"),
        (SOURCES, Key::ch('i'), Action::ToggleSources, "close"),
        (SOURCES, Key::plain(K::Esc), Action::ToggleSources, "close"),
        (SOURCES, Key::ch('r'), Action::Refresh, "refresh"),
        (SOURCES, Key::ch('?'), Action::ToggleHelp, "help"),
        (SOURCES, Key::ch('q'), Action::Quit, "quit"),
        (SOURCES, Key::ctrl('c'), Action::Quit, "quit"),
        (STORM, Key::ch('h'), Action::Back, "back"),
        (STORM, Key::plain(K::Esc), Action::Escape, "back"),
        (TEXT, Key::plain(K::Esc), Action::Cancel, "close"),
        (TEXT, Key::ch('q'), Action::Cancel, "close"),
        (TEXT, Key::plain(K::Enter), Action::Cancel, "close"),
        (MOVES, Key::ch('j'), Action::MoveDown, "down"),
        (MOVES, Key::plain(K::Down), Action::MoveDown, "down"),
        (MOVES, Key::ch('k'), Action::MoveUp, "up"),
        (MOVES, Key::plain(K::Up), Action::MoveUp, "up"),
        (MOVES, Key::ch('g'), Action::Top, "top"),
        (MOVES, Key::ch('G'), Action::Bottom, "bottom"),
        (
            MOVES,
            Key::ctrl('d'),
            Action::HalfPageDown,
            "half page down",
        ),
        (MOVES, Key::ctrl('u'), Action::HalfPageUp, "half page up"),
        (BROWSE, Key::plain(K::Enter), Action::Open, "open"),
        (BROWSE, Key::ch('l'), Action::Open, "open"),
        (PANES, Key::ch('h'), Action::Back, "back"),
        (PANES, Key::plain(K::Esc), Action::Escape, "back / clear"),
        (BROWSE, Key::ch('/'), Action::OpenFilter, "filter"),
        (BROWSE, Key::plain(K::Tab), Action::NextGrouping, "group by"),
        (
            BROWSE,
            Key::plain(K::BackTab),
            Action::PrevGrouping,
            "group by (back)",
        ),
        (PANES, Key::ch(' '), Action::ToggleMark, "mark"),
        (BROWSE, Key::ch('m'), Action::MarkGroup, "mark group"),
        (
            BROWSE,
            Key::ch('a'),
            Action::MarkAllMatching,
            "mark all matching",
        ),
        (
            BROWSE,
            Key::ctrl('a'),
            Action::MarkAllMatching,
            "mark all matching",
        ),
        (BROWSE, Key::ch('v'), Action::InvertMarks, "invert marks"),
        (PANES, Key::ch('c'), Action::ClearMarks, "clear marks"),
        (PANES, Key::ch('D'), Action::Delete, "delete…"),
        (PANES, Key::ch('H'), Action::Hold, "hold…"),
        (PANES, Key::ch('U'), Action::Release, "release…"),
        (PANES, Key::ch('R'), Action::Requeue, "requeue…"),
        (
            PANES,
            Key::ch('E'),
            Action::Expire,
            "expire (return to sender)…",
        ),
        (PANES, Key::ch('N'), Action::DeliverNow, "deliver now…"),
        (PANES, Key::ch('F'), Action::Flush, "flush queue…"),
        (BROWSE, Key::ch('s'), Action::CycleSort, "sort by"),
        (BROWSE, Key::ch('S'), Action::ReverseSort, "reverse sort"),
        (&[Mode::Detail], Key::ch('b'), Action::ToggleBody, "body"),
        (SCREENS, Key::ch('t'), Action::ToggleStorm, "storm screen"),
        (SCREENS, Key::ch('p'), Action::ToggleShape, "queue shape"),
        (SCREENS, Key::ch('i'), Action::ToggleSources, "sources"),
        (SCREENS, Key::ch('r'), Action::Refresh, "refresh"),
        (SCREENS, Key::ch('f'), Action::ToggleFreeze, "freeze"),
        (SCREENS, Key::ch('?'), Action::ToggleHelp, "help"),
        (SCREENS, Key::ch('q'), Action::Quit, "quit"),
        (SCREENS, Key::ctrl('c'), Action::Quit, "quit"),
        (
            &[Mode::Filter],
            Key::plain(K::Enter),
            Action::ApplyFilter,
            "apply",
        ),
        (
            &[Mode::Filter],
            Key::plain(K::Esc),
            Action::Cancel,
            "cancel",
        ),
        (
            &[Mode::Filter],
            Key::plain(K::Backspace),
            Action::Backspace,
            "delete char",
        ),
        (&[Mode::Filter], Key::ctrl('c'), Action::Quit, "quit"),
        (&[Mode::Confirm], Key::ch('y'), Action::Confirm, "confirm"),
        (
            &[Mode::Confirm],
            Key::plain(K::Enter),
            Action::ConfirmSingle,
            "confirm (1 message)",
        ),
        (&[Mode::Confirm], Key::ch('n'), Action::Cancel, "cancel"),
        (
            &[Mode::Confirm],
            Key::plain(K::Esc),
            Action::Cancel,
            "cancel",
        ),
        (
            &[Mode::Confirm],
            Key::plain(K::Backspace),
            Action::Backspace,
            "delete digit",
        ),
        (&[Mode::Help], Key::ch('?'), Action::ToggleHelp, "close"),
        (&[Mode::Help], Key::plain(K::Esc), Action::Cancel, "close"),
        (&[Mode::Help], Key::ch('q'), Action::Cancel, "close"),
        (
            &[Mode::Popup],
            Key::plain(K::Enter),
            Action::Cancel,
            "close",
        ),
        (&[Mode::Popup], Key::plain(K::Esc), Action::Cancel, "close"),
        (&[Mode::Popup], Key::ch('q'), Action::Quit, "quit"),
    ]
}

impl Default for Keymap {
    fn default() -> Self {
        let mut bindings = Vec::new();
        for (modes, key, action, description) in rows() {
            for &mode in modes {
                bindings.push(Binding {
                    mode,
                    key,
                    mutates: action.is_mutating(),
                    action: action.clone(),
                    description,
                });
            }
        }
        Self { bindings }
    }
}

impl Keymap {
    /// The table without its mutating rows: read-only mode removes them at startup so they
    /// vanish from the footer and the help overlay, not just from dispatch.
    #[must_use]
    pub fn without_mutating(mut self) -> Self {
        self.bindings.retain(|b| !b.mutates);
        self
    }

    /// The action bound to `key` in `mode`, if any.
    #[must_use]
    pub fn action(&self, mode: Mode, key: Key) -> Option<Action> {
        self.bindings
            .iter()
            .find(|b| b.mode == mode && b.key == key)
            .map(|b| b.action.clone())
    }

    /// Turn a terminal key into an action: table first, then (in the text-entry modes)
    /// printable characters become [`Action::Input`].
    #[must_use]
    pub fn dispatch(&self, mode: Mode, ev: KeyEvent) -> Option<Action> {
        let key = normalize(ev);
        if let Some(a) = self.action(mode, key) {
            return Some(a);
        }
        match (mode, key.code) {
            (Mode::Filter | Mode::Confirm, KeyCode::Char(c))
                if !key.mods.contains(KeyModifiers::CONTROL) =>
            {
                // Take the character as typed (normalize upper-cased nothing the user did
                // not shift, but a filter is case-sensitive text: keep the original).
                match ev.code {
                    KeyCode::Char(orig) => Some(Action::Input(orig)),
                    _ => Some(Action::Input(c)),
                }
            }
            _ => None,
        }
    }

    /// Merge user bindings (`key = "action_name"`, from the config file's `[keys]` table)
    /// over this table, in the three panes.
    ///
    /// A user key replaces whatever that key did before. Refused, so that a typo fails at
    /// startup rather than in the middle of an incident: unknown key syntax, unknown action
    /// names, two spellings of the same key, and a queue-changing action on anything but a
    /// Shift-letter (lowercase keys never change the queue).
    ///
    /// # Errors
    /// A message naming the offending key.
    pub fn with_overrides<'a>(
        mut self,
        keys: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, String> {
        let mut seen: Vec<Key> = Vec::new();
        for (spec, name) in keys {
            let key =
                parse_key(spec).ok_or_else(|| format!("[keys] {spec:?}: not a key I know"))?;
            if seen.contains(&key) {
                return Err(format!(
                    "[keys] {spec:?}: bound twice (another spelling of {key})"
                ));
            }
            seen.push(key);
            let action: Action = serde_json::from_value(serde_json::Value::String(name.to_owned()))
                .map_err(|_| {
                    format!("[keys] {spec:?}: unknown action {name:?} (see --print-keys)")
                })?;
            let upper_letter = matches!(key.code, KeyCode::Char(c) if c.is_ascii_uppercase())
                && key.mods.is_empty();
            if action.is_mutating() && !upper_letter {
                return Err(format!(
                    "[keys] {spec:?}: {name} changes the queue and must be a Shift-letter (like \"X\")"
                ));
            }
            self.bindings
                .retain(|b| !(b.key == key && PANES.contains(&b.mode)));
            for &mode in PANES {
                self.bindings.push(Binding {
                    mode,
                    key,
                    mutates: action.is_mutating(),
                    action: action.clone(),
                    description: "user binding",
                });
            }
        }
        Ok(self)
    }

    /// All rows, in table order.
    #[must_use]
    pub fn bindings(&self) -> &[Binding] {
        &self.bindings
    }

    /// The rows of one mode, with the keys of one action folded together (`j/↓ down`), in
    /// table order: what the footer and the help overlay show.
    #[must_use]
    pub fn hints(&self, mode: Mode) -> Vec<Hint> {
        let mut out: Vec<Hint> = Vec::new();
        for b in self.bindings.iter().filter(|b| b.mode == mode) {
            let name = b.action.name();
            if let Some(h) = out.iter_mut().find(|h| h.action == name) {
                h.keys.push(b.key.to_string());
            } else {
                out.push(Hint {
                    keys: vec![b.key.to_string()],
                    description: b.description,
                    action: name,
                    mutates: b.mutates,
                });
            }
        }
        out
    }

    /// The help overlay's and the manual's KEYS sections: for each mode in `modes` that has
    /// anything new, a heading and its hints, leaving out the hints an earlier section
    /// already showed (same action, keys and description). The first section is headed "groups and
    /// messages" when it is the groups pane's, whose keys the messages pane shares.
    #[must_use]
    pub fn help_sections(&self, modes: &[Mode]) -> Vec<(String, Vec<Hint>)> {
        let seen = |h: &Hint| (h.action.clone(), h.keys.clone(), h.description);
        let mut shown: Vec<(Option<String>, Vec<String>, &str)> = Vec::new();
        let mut out = Vec::new();
        for &mode in modes {
            let hints: Vec<Hint> = self
                .hints(mode)
                .into_iter()
                .filter(|h| !shown.contains(&seen(h)))
                .collect();
            if hints.is_empty() {
                continue;
            }
            shown.extend(hints.iter().map(seen));
            let heading = if out.is_empty() && mode == Mode::Groups {
                "groups and messages".to_owned()
            } else {
                mode.label().to_owned()
            };
            out.push((heading, hints));
        }
        out
    }

    /// The key table as markdown, for `--print-keys` and the README.
    #[must_use]
    pub fn markdown(&self) -> String {
        let mut s = String::from("| Where | Keys | Action | Config name |\n|---|---|---|---|\n");
        for mode in Mode::ALL {
            for h in self.hints(mode) {
                let keys: Vec<String> = h.keys.iter().map(|k| format!("`{k}`")).collect();
                let keys = keys.join(" ");
                s.push_str(&format!(
                    "| {} | {} | {}{} | `{}` |\n",
                    mode.label(),
                    keys,
                    h.description,
                    if h.mutates { " (asks first)" } else { "" },
                    h.action.as_deref().unwrap_or("")
                ));
            }
        }
        s
    }
}

/// One footer/help entry: the keys of one action in one mode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hint {
    /// Every key bound to the action here, in table order.
    pub keys: Vec<String>,
    pub description: &'static str,
    pub action: Option<String>,
    pub mutates: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::KeyEventKind;

    fn ev(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
        KeyEvent {
            code,
            modifiers: mods,
            kind: KeyEventKind::Press,
            state: crossterm::event::KeyEventState::NONE,
        }
    }

    #[test]
    fn shift_letters_normalize_the_same_whatever_the_terminal_sends() {
        let want = Key::ch('H');
        assert_eq!(normalize(ev(KeyCode::Char('H'), KeyModifiers::NONE)), want);
        assert_eq!(normalize(ev(KeyCode::Char('H'), KeyModifiers::SHIFT)), want);
        assert_eq!(normalize(ev(KeyCode::Char('h'), KeyModifiers::SHIFT)), want);
        assert_eq!(
            normalize(ev(KeyCode::Char('h'), KeyModifiers::NONE)),
            Key::ch('h')
        );
        assert_eq!(
            normalize(ev(KeyCode::Char('?'), KeyModifiers::SHIFT)),
            Key::ch('?')
        );
        assert_eq!(
            normalize(ev(KeyCode::Tab, KeyModifiers::SHIFT)),
            Key::plain(KeyCode::BackTab)
        );
        assert_eq!(
            normalize(ev(KeyCode::BackTab, KeyModifiers::SHIFT)),
            Key::plain(KeyCode::BackTab)
        );
        assert_eq!(
            normalize(ev(KeyCode::Char('d'), KeyModifiers::CONTROL)),
            Key::ctrl('d')
        );
    }

    #[test]
    fn lowercase_keys_never_mutate_and_mutating_keys_are_shift_letters() {
        let km = Keymap::default();
        for b in km.bindings() {
            if b.mutates {
                assert!(
                    matches!(b.key.code, KeyCode::Char(c) if c.is_ascii_uppercase()),
                    "{b:?}"
                );
            }
            if let KeyCode::Char(c) = b.key.code
                && c.is_ascii_lowercase()
            {
                assert!(!b.mutates, "{b:?}");
            }
        }
    }

    #[test]
    fn no_duplicate_keys_within_a_mode() {
        let km = Keymap::default();
        for (i, a) in km.bindings().iter().enumerate() {
            for b in &km.bindings()[i + 1..] {
                assert!(!(a.mode == b.mode && a.key == b.key), "{a:?} vs {b:?}");
            }
        }
    }

    #[test]
    fn read_only_drops_mutating_rows_from_dispatch_and_hints() {
        let km = Keymap::default().without_mutating();
        assert!(km.action(Mode::Messages, Key::ch('D')).is_none());
        assert!(km.hints(Mode::Groups).iter().all(|h| !h.mutates));
        assert!(
            Keymap::default()
                .hints(Mode::Groups)
                .iter()
                .any(|h| h.mutates)
        );
    }

    #[test]
    fn typed_characters_only_in_text_modes() {
        let km = Keymap::default();
        let x = ev(KeyCode::Char('x'), KeyModifiers::NONE);
        assert!(matches!(
            km.dispatch(Mode::Filter, x),
            Some(Action::Input('x'))
        ));
        assert!(km.dispatch(Mode::Messages, x).is_none());
        let j = ev(KeyCode::Char('j'), KeyModifiers::NONE);
        assert!(matches!(
            km.dispatch(Mode::Filter, j),
            Some(Action::Input('j'))
        ));
        assert!(matches!(
            km.dispatch(Mode::Groups, j),
            Some(Action::MoveDown)
        ));
    }

    #[test]
    fn config_keys_parse_like_terminal_events() {
        assert_eq!(parse_key("x"), Some(Key::ch('x')));
        assert_eq!(parse_key("shift-x"), Some(Key::ch('X')));
        assert_eq!(parse_key("X"), Some(Key::ch('X')));
        assert_eq!(parse_key("ctrl-r"), Some(Key::ctrl('r')));
        assert_eq!(parse_key("shift-tab"), Some(Key::plain(KeyCode::BackTab)));
        assert_eq!(parse_key("space"), Some(Key::ch(' ')));
        assert_eq!(parse_key("hyper-q"), None);
        assert_eq!(parse_key(""), None);
    }

    #[test]
    fn user_bindings_merge_and_typos_fail() {
        let km = Keymap::default()
            .with_overrides([("ctrl-r", "refresh"), ("X", "delete"), ("j", "move_up")])
            .unwrap();
        assert!(matches!(
            km.action(Mode::Groups, Key::ctrl('r')),
            Some(Action::Refresh)
        ));
        assert!(matches!(
            km.action(Mode::Detail, Key::ch('X')),
            Some(Action::Delete)
        ));
        assert!(matches!(
            km.action(Mode::Messages, Key::ch('j')),
            Some(Action::MoveUp)
        ));
        let err = |k: &str, a: &str| Keymap::default().with_overrides([(k, a)]).unwrap_err();
        assert!(err("x", "delete").contains("Shift-letter"));
        assert!(err("ctrl-x", "hold").contains("Shift-letter"));
        assert!(err("x", "nuke_everything").contains("unknown action"));
        assert!(err("x", "loaded").contains("unknown action"));
        assert!(err("meta-x", "quit").contains("not a key"));
        let twice = Keymap::default().with_overrides([("X", "quit"), ("shift-x", "refresh")]);
        assert!(twice.unwrap_err().contains("bound twice"));
    }

    #[test]
    fn hints_fold_keys_of_one_action() {
        let km = Keymap::default();
        let h = km.hints(Mode::Messages);
        assert_eq!(h[0].keys, vec!["j".to_owned(), "↓".to_owned()]);
        assert_eq!(h[0].description, "down");
    }
}

#[cfg(test)]
mod print_keys {
    use super::Keymap;

    /// `mailq-tui --print-keys` output; the README's key table is pasted from it, so a
    /// changed binding shows up here first.
    #[test]
    fn print_keys_markdown() {
        insta::assert_snapshot!(Keymap::default().markdown());
    }
}
