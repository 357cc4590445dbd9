//! The wall clock, in one place: TOTP steps, credential expiry, the audit log and the SDK's
//! clock-skew reading all read it here, so none of them depends on another for the time.

/// Seconds since the Unix epoch, now (0 if the clock is before 1970).
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// [`unix_now`] as a signed number, for arithmetic with expiry times.
pub fn unix_now_i64() -> i64 {
    i64::try_from(unix_now()).unwrap_or(i64::MAX)
}

/// A span of time as a person reads it: `42 s`, `15 min`, `8 h`, `7 h 59 min`.
pub fn span(seconds: u64) -> String {
    let (h, m) = (seconds / 3600, seconds % 3600 / 60);
    match seconds {
        s if s < 60 => format!("{s} s"),
        _ if h == 0 => format!("{m} min"),
        _ if m == 0 => format!("{h} h"),
        _ => format!("{h} h {m} min"),
    }
}

#[cfg(test)]
mod tests {
    use super::span;

    #[test]
    fn spans_read_as_a_person_says_them() {
        assert_eq!(span(0), "0 s");
        assert_eq!(span(59), "59 s");
        assert_eq!(span(60), "1 min");
        assert_eq!(span(3599), "59 min");
        assert_eq!(span(3600), "1 h");
        assert_eq!(span(28800), "8 h");
        assert_eq!(span(28793), "7 h 59 min");
    }
}
