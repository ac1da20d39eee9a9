//! Checks on customer fields, shared by the server (which refuses bad
//! values) and the terminal (which says why beside the field before
//! anything is sent).

/// An email address of the usual shape: one `@`, something before it, a
/// dotted domain after it, no spaces.
pub fn email(s: &str) -> Result<(), String> {
    let s = s.trim();
    let bad = || Err(format!("{s:?} is not an email address (name@example.com)"));
    if s.len() > 254 || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return bad();
    }
    let Some((local, domain)) = s.split_once('@') else {
        return bad();
    };
    if local.is_empty()
        || domain.contains('@')
        || !domain.contains('.')
        || domain.starts_with('.')
        || domain.ends_with('.')
        || domain.contains("..")
    {
        return bad();
    }
    Ok(())
}

/// A phone number: digits with the usual separators, an optional leading
/// `+`, and at least 5 digits.
pub fn phone(s: &str) -> Result<(), String> {
    let s = s.trim();
    let ok_chars = s
        .chars()
        .enumerate()
        .all(|(i, c)| c.is_ascii_digit() || " -().".contains(c) || (c == '+' && i == 0));
    let digits = s.chars().filter(char::is_ascii_digit).count();
    if !ok_chars {
        return Err("a phone number has only digits, spaces, - ( ) . and a leading +".into());
    }
    if !(5..=20).contains(&digits) {
        return Err("a phone number has 5 to 20 digits".into());
    }
    Ok(())
}

/// An age: a whole number from 0 to 150.
pub fn age(s: &str) -> Result<u32, String> {
    match s.trim().parse::<u32>() {
        Ok(a) if a <= 150 => Ok(a),
        Ok(_) => Err("an age is at most 150".into()),
        Err(_) => Err(format!("{:?} is not a whole number of years", s.trim())),
    }
}

/// A short free-text field (name, gender, language, custom field).
pub fn short_text(what: &str, s: &str, max: usize) -> Result<(), String> {
    if s.chars().count() > max {
        return Err(format!("{what} is longer than {max} characters"));
    }
    if s.chars().any(|c| c.is_control() && c != '\t') {
        return Err(format!("{what} cannot hold control characters"));
    }
    Ok(())
}

/// A longer value that may run over several lines (custom fields).
pub fn free_text(what: &str, s: &str, max: usize) -> Result<(), String> {
    if s.chars().count() > max {
        return Err(format!("{what} is longer than {max} characters"));
    }
    if s.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(format!("{what} cannot hold control characters"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert!(email("mei@example.com").is_ok());
        assert!(email(" a.b+c@mail.example.co.uk ").is_ok());
        for bad in [
            "mei",
            "mei@",
            "@example.com",
            "mei@example",
            "a b@example.com",
            "a@b@c.com",
            "a@.com",
            "a@b..com",
        ] {
            assert!(email(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn phones_and_ages() {
        assert!(phone("+852 5123 4567").is_ok());
        assert!(phone("(02) 555-0199").is_ok());
        assert!(phone("12ab34").is_err());
        assert!(phone("5+5").is_err());
        assert!(phone("123").is_err());
        assert_eq!(age(" 34 "), Ok(34));
        assert!(age("151").is_err());
        assert!(age("3.5").is_err());
        assert!(age("-1").is_err());
    }
}
