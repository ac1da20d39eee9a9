//! What a customer sent that is not plain text, written as the text agents
//! read, the same way for every platform: locations, stickers, contacts,
//! links. The platforms' own fields are customer text: they are bounded
//! here, and the TUI strips control sequences when it draws them.

/// Longest a single field (a title, an address, a name) is kept.
const FIELD: usize = 300;

fn clean(s: &str) -> String {
    let s: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(FIELD)
        .collect();
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A shared location: its name, address, coordinates and a map link.
pub fn location(title: Option<&str>, address: Option<&str>, lat: f64, lon: f64) -> String {
    let mut parts = vec!["Location:".to_string()];
    let words: Vec<String> = [title, address]
        .into_iter()
        .flatten()
        .map(clean)
        .filter(|s| !s.is_empty())
        .collect();
    let mut named = words.join(", ");
    let good = lat.is_finite() && lon.is_finite() && lat.abs() <= 90.0 && lon.abs() <= 180.0;
    if good {
        if !named.is_empty() {
            named.push(' ');
        }
        named.push_str(&format!("({lat:.5}, {lon:.5})"));
    }
    if !named.is_empty() {
        parts.push(named);
    }
    if good {
        parts.push(format!(
            "https://www.openstreetmap.org/?mlat={lat:.5}&mlon={lon:.5}#map=17/{lat:.5}/{lon:.5}"
        ));
    }
    if parts.len() == 1 {
        return "Location: (none given)".into();
    }
    parts.join(" ")
}

/// A sticker: its emoji or keywords (LINE sends what a sticker means).
pub fn sticker(meaning: &[String]) -> String {
    let words: Vec<String> = meaning
        .iter()
        .map(|k| clean(k))
        .filter(|k| !k.is_empty())
        .take(8)
        .collect();
    if words.is_empty() {
        "Sticker".into()
    } else {
        format!("Sticker: {}", words.join(", "))
    }
}

/// Messenger's like button, sent as a sticker, in three sizes.
pub fn messenger_sticker(id: i64) -> Option<&'static str> {
    matches!(id, 369239263222822 | 369239343222814 | 369239383222810).then_some("👍")
}

/// A shared contact card: the name, then numbers and addresses.
pub fn contact(name: &str, phones: &[String], emails: &[String]) -> String {
    let mut parts = vec![clean(name)];
    parts.extend(phones.iter().map(|p| clean(p)).take(5));
    parts.extend(emails.iter().map(|e| clean(e)).take(5));
    let parts: Vec<String> = parts.into_iter().filter(|p| !p.is_empty()).collect();
    if parts.is_empty() {
        "Contact: (empty)".into()
    } else {
        format!("Contact: {}", parts.join(" · "))
    }
}

/// A shared link (WeChat's link message).
pub fn link(title: &str, description: &str, url: &str) -> String {
    let words: Vec<String> = [title, description, url]
        .into_iter()
        .map(clean)
        .filter(|s| !s.is_empty())
        .collect();
    format!("Link: {}", words.join(" · "))
}

/// What a tap shows when the platform sends no title (LINE's and
/// WeChat's postbacks carry only their data): the data, readable.
pub fn untitled_tap(payload: &str) -> String {
    let p = clean(payload);
    if p.is_empty() {
        "(tapped a button)".into()
    } else {
        p
    }
}

/// A tap's title as shown: bounded and on one line.
pub fn tap_title(title: &str) -> String {
    clean(title)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_location_names_its_place_and_links_a_map() {
        let s = location(
            Some("Taipei 101"),
            Some("No. 7, Xinyi Rd"),
            25.033611,
            121.565,
        );
        assert_eq!(
            s,
            "Location: Taipei 101, No. 7, Xinyi Rd (25.03361, 121.56500) https://www.openstreetmap.org/?mlat=25.03361&mlon=121.56500#map=17/25.03361/121.56500"
        );
        // Impossible coordinates get no link.
        assert_eq!(location(Some("x"), None, 200.0, 0.0), "Location: x");
        assert_eq!(
            location(None, None, f64::NAN, 0.0),
            "Location: (none given)"
        );
    }

    #[test]
    fn customer_fields_lose_control_characters_and_length() {
        let s = location(Some("a\x1b[31mred\nline"), None, 0.0, 0.0);
        assert!(!s.contains('\x1b') && !s.contains('\n'), "{s}");
        let long = "x".repeat(5000);
        assert!(contact(&long, &[], &[]).len() < 400);
    }

    #[test]
    fn stickers_and_contacts_read_well() {
        assert_eq!(
            sticker(&["Happy".into(), "Smile".into()]),
            "Sticker: Happy, Smile"
        );
        assert_eq!(sticker(&[]), "Sticker");
        assert_eq!(messenger_sticker(369239263222822), Some("👍"));
        assert_eq!(messenger_sticker(1), None);
        assert_eq!(
            contact(
                "Ann Lee",
                &["+1 555 0100".into()],
                &["ann@example.com".into()]
            ),
            "Contact: Ann Lee · +1 555 0100 · ann@example.com"
        );
        assert_eq!(untitled_tap("action=buy&item=1"), "action=buy&item=1");
        assert_eq!(untitled_tap(""), "(tapped a button)");
    }
}
