//! Durations (`1m30s`, `500ms`) and sizes (`512M`, `1g`) as compose writes them.

use std::time::Duration;

/// Parses a Go-style duration: a sequence of `<number><unit>` with units h, m, s, ms, us/µs, ns.
/// Compose also takes a bare number of seconds.
pub fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    if let Ok(secs) = text.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs));
    }
    let mut total: u128 = 0;
    let mut rest = text;
    while !rest.is_empty() {
        let num_len = rest
            .bytes()
            .take_while(|b| b.is_ascii_digit() || *b == b'.')
            .count();
        let unit_len = rest[num_len..]
            .chars()
            .take_while(|c| c.is_alphabetic())
            .map(char::len_utf8)
            .sum::<usize>();
        if num_len == 0 || unit_len == 0 {
            return None;
        }
        let number: f64 = rest[..num_len].parse().ok()?;
        let nanos_per: f64 = match &rest[num_len..num_len + unit_len] {
            "h" => 3.6e12,
            "m" => 6e10,
            "s" => 1e9,
            "ms" => 1e6,
            "us" | "µs" => 1e3,
            "ns" => 1.0,
            _ => return None,
        };
        let nanos = number * nanos_per;
        if !nanos.is_finite() || nanos > 1e20 {
            return None;
        }
        total = total.checked_add(nanos as u128)?;
        rest = &rest[num_len + unit_len..];
    }
    let secs = u64::try_from(total / 1_000_000_000).ok()?;
    Some(Duration::new(secs, (total % 1_000_000_000) as u32))
}

/// Parses a byte size: a number with an optional unit b, k/kb, m/mb, g/gb (powers of 1024, any case).
pub fn parse_bytes(text: &str) -> Option<u64> {
    let lower = text.trim().to_ascii_lowercase();
    let digits = lower
        .bytes()
        .take_while(|b| b.is_ascii_digit() || *b == b'.')
        .count();
    let number: f64 = lower[..digits].parse().ok()?;
    let factor: f64 = match lower[digits..].trim() {
        "" | "b" => 1.0,
        "k" | "kb" => 1024.0,
        "m" | "mb" => 1024.0 * 1024.0,
        "g" | "gb" => 1024.0 * 1024.0 * 1024.0,
        _ => return None,
    };
    let bytes = number * factor;
    (bytes.is_finite() && bytes < u64::MAX as f64).then_some(bytes as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_follow_go_syntax() {
        assert_eq!(parse_duration("1m30s"), Some(Duration::from_secs(90)));
        assert_eq!(parse_duration("10s"), Some(Duration::from_secs(10)));
        assert_eq!(parse_duration("500ms"), Some(Duration::from_millis(500)));
        assert_eq!(parse_duration("1.5s"), Some(Duration::from_millis(1500)));
        assert_eq!(parse_duration("2h"), Some(Duration::from_secs(7200)));
        assert_eq!(
            parse_duration("30"),
            Some(Duration::from_secs(30)),
            "a bare number is seconds"
        );
        for bad in ["", "s", "10x", "1m30", "-5s", "1e400s"] {
            assert_eq!(parse_duration(bad), None, "{bad:?} is not a duration");
        }
    }

    #[test]
    fn sizes_are_powers_of_1024() {
        assert_eq!(parse_bytes("512M"), Some(512 * 1024 * 1024));
        assert_eq!(parse_bytes("1g"), Some(1 << 30));
        assert_eq!(parse_bytes("1024"), Some(1024));
        assert_eq!(parse_bytes("2kb"), Some(2048));
        assert_eq!(parse_bytes("lots"), None);
    }
}
