//! Colours by role, from the shipped themes in `themes/` with the user's
//! `theme.toml` read over them. Widgets ask for a role (`unread`,
//! `bot_on`...), never a colour. Colours degrade from truecolor to 256 and
//! 16 colours as the terminal allows, and NO_COLOR turns them off.

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};

pub const PRESETS: &[(&str, &str)] = &[
    ("dark", include_str!("../../themes/dark.toml")),
    ("light", include_str!("../../themes/light.toml")),
    (
        "high-contrast",
        include_str!("../../themes/high-contrast.toml"),
    ),
];

macro_rules! roles {
    ($( $variant:ident => $name:literal, )*) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Role { $( $variant, )* }
        impl Role {
            pub const ALL: &'static [Role] = &[ $( Role::$variant, )* ];
            pub fn name(self) -> &'static str {
                match self { $( Role::$variant => $name, )* }
            }
            pub fn from_name(s: &str) -> Option<Role> {
                match s { $( $name => Some(Role::$variant), )* _ => None }
            }
        }
    };
}

roles! {
    Base => "base",
    Text => "text",
    Muted => "muted",
    Border => "border",
    BorderFocused => "border_focused",
    Title => "title",
    Selected => "selected",
    Unread => "unread",
    UnreadCount => "unread_count",
    Messenger => "channel_messenger",
    Whatsapp => "channel_whatsapp",
    Line => "channel_line",
    Wechat => "channel_wechat",
    BotOn => "bot_on",
    BotOff => "bot_off",
    Customer => "sender_customer",
    AgentName => "sender_agent",
    Me => "sender_me",
    Bot => "sender_bot",
    System => "system",
    DaySeparator => "day_separator",
    Time => "time",
    TabActive => "tab_active",
    TabInactive => "tab_inactive",
    Connected => "status_connected",
    Reconnecting => "status_reconnecting",
    Offline => "status_offline",
    StatusBar => "status_bar",
    HintKey => "hint_key",
    Error => "error",
    Notice => "notice",
    Input => "input",
    Placeholder => "placeholder",
    Label => "label",
    Tag => "tag",
    Failed => "delivery_failed",
    Pending => "delivery_pending",
    Attachment => "attachment",
    Assignee => "assignee",
    Marked => "marked",
    PriorityLow => "priority_low",
    PriorityMedium => "priority_medium",
    PriorityHigh => "priority_high",
    PriorityUrgent => "priority_urgent",
    StatusPending => "status_pending",
    StatusSnoozed => "status_snoozed",
    StatusResolved => "status_resolved",
}

/// How many colours the terminal shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColorDepth {
    TrueColor,
    Ansi256,
    Ansi16,
    /// NO_COLOR: modifiers (bold, reverse) only.
    None,
}

impl ColorDepth {
    /// From the environment: NO_COLOR, COLORTERM and TERM.
    pub fn detect() -> ColorDepth {
        Self::from_env(
            std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()),
            std::env::var("COLORTERM").ok().as_deref(),
            std::env::var("TERM").ok().as_deref(),
        )
    }

    pub fn from_env(no_color: bool, colorterm: Option<&str>, term: Option<&str>) -> ColorDepth {
        if no_color {
            return ColorDepth::None;
        }
        if matches!(colorterm, Some("truecolor" | "24bit")) {
            return ColorDepth::TrueColor;
        }
        match term {
            Some(t) if t.contains("256") || t.contains("direct") => ColorDepth::Ansi256,
            Some("dumb") => ColorDepth::None,
            _ => ColorDepth::Ansi16,
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct StyleSpec {
    fg: Option<String>,
    bg: Option<String>,
    #[serde(default)]
    bold: bool,
    #[serde(default)]
    italic: bool,
    #[serde(default)]
    underline: bool,
    #[serde(default)]
    reverse: bool,
    #[serde(default)]
    dim: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    #[serde(default)]
    roles: BTreeMap<String, StyleSpec>,
}

#[derive(Debug, Clone)]
pub struct Theme {
    styles: HashMap<Role, Style>,
    depth: ColorDepth,
}

pub fn parse_color(s: &str) -> Result<Color, String> {
    let s = s.trim();
    if let Some(hex) = s.strip_prefix('#') {
        if hex.len() == 6 {
            if let Ok(v) = u32::from_str_radix(hex, 16) {
                return Ok(Color::Rgb((v >> 16) as u8, (v >> 8) as u8, v as u8));
            }
        }
        return Err(format!("{s:?} is not a #rrggbb colour"));
    }
    if let Ok(i) = s.parse::<u8>() {
        return Ok(Color::Indexed(i));
    }
    let c = match s.to_ascii_lowercase().replace(['_', '-', ' '], "").as_str() {
        "reset" | "default" => Color::Reset,
        "black" => Color::Black,
        "red" => Color::Red,
        "green" => Color::Green,
        "yellow" => Color::Yellow,
        "blue" => Color::Blue,
        "magenta" => Color::Magenta,
        "cyan" => Color::Cyan,
        "gray" | "grey" => Color::Gray,
        "darkgray" | "darkgrey" => Color::DarkGray,
        "lightred" => Color::LightRed,
        "lightgreen" => Color::LightGreen,
        "lightyellow" => Color::LightYellow,
        "lightblue" => Color::LightBlue,
        "lightmagenta" => Color::LightMagenta,
        "lightcyan" => Color::LightCyan,
        "white" => Color::White,
        _ => {
            return Err(format!(
                "{s:?} is not a colour (use #rrggbb, 0-255, or a name such as lightblue)"
            ))
        }
    };
    Ok(c)
}

const ANSI16: [(Color, (u8, u8, u8)); 16] = [
    (Color::Black, (0, 0, 0)),
    (Color::Red, (205, 0, 0)),
    (Color::Green, (0, 205, 0)),
    (Color::Yellow, (205, 205, 0)),
    (Color::Blue, (0, 0, 238)),
    (Color::Magenta, (205, 0, 205)),
    (Color::Cyan, (0, 205, 205)),
    (Color::Gray, (229, 229, 229)),
    (Color::DarkGray, (127, 127, 127)),
    (Color::LightRed, (255, 0, 0)),
    (Color::LightGreen, (0, 255, 0)),
    (Color::LightYellow, (255, 255, 0)),
    (Color::LightBlue, (92, 92, 255)),
    (Color::LightMagenta, (255, 0, 255)),
    (Color::LightCyan, (0, 255, 255)),
    (Color::White, (255, 255, 255)),
];

fn dist(a: (u8, u8, u8), b: (u8, u8, u8)) -> u32 {
    let d = |x: u8, y: u8| (i32::from(x) - i32::from(y)).pow(2) as u32;
    d(a.0, b.0) + d(a.1, b.1) + d(a.2, b.2)
}

fn rgb_of_index(i: u8) -> (u8, u8, u8) {
    match i {
        0..=15 => ANSI16[i as usize].1,
        16..=231 => {
            let i = i - 16;
            let level = |v: u8| if v == 0 { 0 } else { 55 + v * 40 };
            (level(i / 36), level((i / 6) % 6), level(i % 6))
        }
        _ => {
            let v = 8 + (i - 232) * 10;
            (v, v, v)
        }
    }
}

/// The nearest colour the terminal can show.
pub fn downgrade(c: Color, depth: ColorDepth) -> Option<Color> {
    match (depth, c) {
        (ColorDepth::None, _) => None,
        (ColorDepth::TrueColor, c) => Some(c),
        (ColorDepth::Ansi256, Color::Rgb(r, g, b)) => {
            let best = (16..=255u8).min_by_key(|i| dist(rgb_of_index(*i), (r, g, b)))?;
            Some(Color::Indexed(best))
        }
        (ColorDepth::Ansi16, Color::Rgb(r, g, b)) => ANSI16
            .iter()
            .min_by_key(|(_, rgb)| dist(*rgb, (r, g, b)))
            .map(|(c, _)| *c),
        (ColorDepth::Ansi16, Color::Indexed(i)) => {
            let rgb = rgb_of_index(i);
            ANSI16
                .iter()
                .min_by_key(|(_, x)| dist(*x, rgb))
                .map(|(c, _)| *c)
        }
        (_, c) => Some(c),
    }
}

impl Theme {
    /// A shipped theme by name, with colours for the given depth.
    pub fn preset(name: &str, depth: ColorDepth) -> Result<Theme, String> {
        let (_, text) = PRESETS.iter().find(|(n, _)| *n == name).ok_or_else(|| {
            let names: Vec<_> = PRESETS.iter().map(|(n, _)| *n).collect();
            format!("no theme {name:?} (themes: {})", names.join(", "))
        })?;
        let mut theme = Theme {
            styles: HashMap::new(),
            depth,
        };
        let errors = theme.apply(&format!("themes/{name}.toml"), text);
        if !errors.is_empty() {
            return Err(errors.join("\n"));
        }
        if let Some(missing) = Role::ALL.iter().find(|r| !theme.styles.contains_key(r)) {
            return Err(format!(
                "themes/{name}.toml has no style for {}",
                missing.name()
            ));
        }
        Ok(theme)
    }

    /// Reads a theme file over this theme; each role named replaces the
    /// preset's. Returns problems as `file: message`.
    pub fn apply(&mut self, file: &str, text: &str) -> Vec<String> {
        let parsed: ThemeFile = match toml::from_str(text) {
            Ok(t) => t,
            Err(e) => {
                return vec![crate::config::toml_error(file, text, &e)];
            }
        };
        let mut errors = Vec::new();
        for (name, spec) in parsed.roles {
            let line = text
                .lines()
                .position(|l| l.trim_start().starts_with(&name))
                .map(|i| i + 1)
                .unwrap_or(0);
            let Some(role) = Role::from_name(&name) else {
                errors.push(format!("{file}:{line}: unknown role {name:?}"));
                continue;
            };
            match self.build(&spec) {
                Ok(style) => {
                    self.styles.insert(role, style);
                }
                Err(e) => errors.push(format!("{file}:{line}: {name}: {e}")),
            }
        }
        errors
    }

    fn build(&self, spec: &StyleSpec) -> Result<Style, String> {
        let mut style = Style::default();
        if let Some(fg) = &spec.fg {
            if let Some(c) = downgrade(parse_color(fg)?, self.depth) {
                style = style.fg(c);
            }
        }
        if let Some(bg) = &spec.bg {
            if let Some(c) = downgrade(parse_color(bg)?, self.depth) {
                style = style.bg(c);
            }
        }
        for (on, m) in [
            (spec.bold, Modifier::BOLD),
            (spec.italic, Modifier::ITALIC),
            (spec.underline, Modifier::UNDERLINED),
            (spec.reverse, Modifier::REVERSED),
            (spec.dim, Modifier::DIM),
        ] {
            if on {
                style = style.add_modifier(m);
            }
        }
        // Without colour, selection must still show.
        if self.depth == ColorDepth::None && spec.bg.is_some() && !spec.reverse {
            style = style.add_modifier(Modifier::REVERSED);
        }
        Ok(style)
    }

    pub fn style(&self, role: Role) -> Style {
        self.styles.get(&role).copied().unwrap_or_default()
    }

    pub fn depth(&self) -> ColorDepth {
        self.depth
    }

    /// A tag's own colour, as the terminal can show it.
    pub fn color(&self, spec: &str) -> Style {
        match parse_color(spec)
            .ok()
            .and_then(|c| downgrade(c, self.depth))
        {
            Some(c) => Style::default().fg(c),
            None => self.style(Role::Tag),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_preset_parses_at_every_depth_and_styles_every_role() {
        for (name, _) in PRESETS {
            for depth in [
                ColorDepth::TrueColor,
                ColorDepth::Ansi256,
                ColorDepth::Ansi16,
                ColorDepth::None,
            ] {
                let t = Theme::preset(name, depth).unwrap_or_else(|e| panic!("{name}: {e}"));
                for role in Role::ALL {
                    let s = t.style(*role);
                    match depth {
                        ColorDepth::None => {
                            assert!(s.fg.is_none() && s.bg.is_none(), "{name} {}", role.name());
                        }
                        ColorDepth::Ansi16 => assert!(
                            !matches!(s.fg, Some(Color::Rgb(..) | Color::Indexed(_))),
                            "{name} {}",
                            role.name()
                        ),
                        _ => {}
                    }
                }
            }
        }
    }

    #[test]
    fn colours_degrade() {
        assert_eq!(
            downgrade(Color::Rgb(250, 0, 0), ColorDepth::Ansi16),
            Some(Color::LightRed)
        );
        assert_eq!(
            downgrade(Color::Rgb(0, 0, 0), ColorDepth::Ansi256),
            Some(Color::Indexed(16))
        );
        assert_eq!(downgrade(Color::Rgb(1, 2, 3), ColorDepth::None), None);
        assert_eq!(
            ColorDepth::from_env(true, Some("truecolor"), None),
            ColorDepth::None
        );
        assert_eq!(
            ColorDepth::from_env(false, Some("truecolor"), None),
            ColorDepth::TrueColor
        );
        assert_eq!(
            ColorDepth::from_env(false, None, Some("xterm-256color")),
            ColorDepth::Ansi256
        );
        assert_eq!(
            ColorDepth::from_env(false, None, Some("xterm")),
            ColorDepth::Ansi16
        );
    }

    #[test]
    fn user_theme_overrides_one_role_and_reports_bad_entries() {
        let mut t = Theme::preset("dark", ColorDepth::TrueColor).unwrap();
        let before = t.style(Role::Muted);
        let errors = t.apply(
            "theme.toml",
            "[roles]\nunread = { fg = \"#ff0000\", bold = true }\nnope = { fg = \"red\" }\nbot_on = { fg = \"greenish\" }\n",
        );
        assert_eq!(t.style(Role::Unread).fg, Some(Color::Rgb(255, 0, 0)));
        assert_eq!(t.style(Role::Muted), before);
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(errors
            .iter()
            .any(|e| e.contains("theme.toml:3") && e.contains("nope")));
        assert!(errors
            .iter()
            .any(|e| e.contains("theme.toml:4") && e.contains("greenish")));
    }
}
