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
