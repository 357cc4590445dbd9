//! Times in the person's local time zone, for menus, tooltips and logs.

/// The local broken-down time of `unix`, or `None` when the C library cannot convert it.
#[cfg(unix)]
fn local(unix: i64) -> Option<libc::tm> {
    let t = unix as libc::time_t;
    // SAFETY: an all-zero `tm` is a valid value; localtime_r only writes into it.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    // SAFETY: both pointers come from live references; localtime_r is the reentrant form
    // (no shared static buffer) and writes only into `tm`.
    if unsafe { libc::localtime_r(&t, &mut tm) }.is_null() {
        return None;
    }
    Some(tm)
}

/// "14:05".
#[cfg(unix)]
pub fn hh_mm(unix: i64) -> String {
    match local(unix) {
        Some(tm) => format!("{:02}:{:02}", tm.tm_hour, tm.tm_min),
        None => "--:--".into(),
    }
}

/// "2026-11-22 14:05:09".
#[cfg(unix)]
pub fn date_time(unix: i64) -> String {
    match local(unix) {
        Some(tm) => format!(
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
            tm.tm_year + 1900,
            tm.tm_mon + 1,
            tm.tm_mday,
            tm.tm_hour,
            tm.tm_min,
            tm.tm_sec
        ),
        None => format!("@{unix}"),
    }
}

#[cfg(not(unix))]
pub fn hh_mm(unix: i64) -> String {
    let secs = unix.rem_euclid(86_400);
    format!("{:02}:{:02} UTC", secs / 3600, secs % 3600 / 60)
}

#[cfg(not(unix))]
pub fn date_time(unix: i64) -> String {
    aws_smithy_types::DateTime::from_secs(unix).to_string()
}
