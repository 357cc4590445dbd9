//! "14:05" in the person's local time zone, for menus and tooltips.

#[cfg(unix)]
pub fn hh_mm(unix: i64) -> String {
    let t = unix as libc::time_t;
    // SAFETY: an all-zero `tm` is a valid value; localtime_r only writes into it.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    if unsafe { libc::localtime_r(&t, &mut tm) }.is_null() {
        return "--:--".into();
    }
    format!("{:02}:{:02}", tm.tm_hour, tm.tm_min)
}

#[cfg(not(unix))]
pub fn hh_mm(unix: i64) -> String {
    let secs = unix.rem_euclid(86_400);
    format!("{:02}:{:02} UTC", secs / 3600, secs % 3600 / 60)
}
