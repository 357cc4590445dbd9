//! The lines an edit of the AWS config changes, shown to the person before it is written
//! (the window's "these lines will change" before wiring or unwiring a profile).

use serde::Serialize;

/// What happens to one line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum LineChange {
    /// Unchanged; shown to say where the change is (the section header).
    Context,
    Removed,
    Added,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DiffLine {
    pub change: LineChange,
    pub text: String,
}

/// The removed and added lines from `before` to `after`, in order, each run of changes led by
/// the section header it falls under. Empty when nothing changes.
pub fn changed_lines(before: &str, after: &str) -> Vec<DiffLine> {
    let old: Vec<&str> = before.lines().collect();
    let new: Vec<&str> = after.lines().collect();
    // An edit touches one section: trim what both share at either end, so the table below
    // stays small however long the file is.
    let prefix = old.iter().zip(&new).take_while(|(a, b)| a == b).count();
    let suffix = old[prefix..]
        .iter()
        .rev()
        .zip(new[prefix..].iter().rev())
        .take_while(|(a, b)| a == b)
        .count();
    let (a, b) = (
        &old[prefix..old.len() - suffix],
        &new[prefix..new.len() - suffix],
    );
    let mut out = Vec::new();
    let mut header = old[..prefix].iter().rev().find(|l| is_header(l)).copied();
    let mut in_run = false;
    for (change, text) in line_ops(a, b) {
        match change {
            None => {
                in_run = false;
                if is_header(text) {
                    header = Some(text);
                }
            }
            Some(change) => {
                if !in_run {
                    if let Some(h) = header.take() {
                        out.push(DiffLine {
                            change: LineChange::Context,
                            text: h.to_owned(),
                        });
                    }
                }
                in_run = true;
                if change == LineChange::Added && is_header(text) {
                    header = None;
                }
                out.push(DiffLine {
                    change,
                    text: text.to_owned(),
                });
            }
        }
    }
    out
}

fn is_header(line: &str) -> bool {
    line.starts_with('[')
}

/// The longest common subsequence walk: each line of `a` and `b` once, as kept (`None`),
/// removed or added.
fn line_ops<'t>(a: &[&'t str], b: &[&'t str]) -> Vec<(Option<LineChange>, &'t str)> {
    let (n, m) = (a.len(), b.len());
    // lcs[i][j]: the common length of a[i..] and b[j..].
    let mut lcs = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut ops = Vec::with_capacity(n + m);
    while i < n || j < m {
        if i < n && j < m && a[i] == b[j] {
            ops.push((None, a[i]));
            i += 1;
            j += 1;
        } else if i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1]) {
            // Removals first, as people read a change: what goes, then what comes.
            ops.push((Some(LineChange::Removed), a[i]));
            i += 1;
        } else {
            ops.push((Some(LineChange::Added), b[j]));
            j += 1;
        }
    }
    ops
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(lines: &[DiffLine]) -> String {
        lines
            .iter()
            .map(|l| {
                let mark = match l.change {
                    LineChange::Context => ' ',
                    LineChange::Removed => '-',
                    LineChange::Added => '+',
                };
                format!("{mark}{}\n", l.text)
            })
            .collect()
    }

    #[test]
    fn shows_the_changed_lines_under_their_section() {
        let before = "# mine\n[default]\nregion = eu-west-1\n\n[profile admin]\nrole_arn = arn:aws:iam::2:role/Admin\nsource_profile = base\nregion = us-east-1\n\n[profile other]\nregion = x\n";
        let after = "# mine\n[default]\nregion = eu-west-1\n\n[profile admin]\notpilot_role_arn = arn:aws:iam::2:role/Admin\notpilot_source_profile = base\nregion = us-east-1\ncredential_process = otpilot credential-process admin\n\n[profile other]\nregion = x\n";
        assert_eq!(
            render(&changed_lines(before, after)),
            " [profile admin]\n-role_arn = arn:aws:iam::2:role/Admin\n-source_profile = base\n+otpilot_role_arn = arn:aws:iam::2:role/Admin\n+otpilot_source_profile = base\n+credential_process = otpilot credential-process admin\n"
        );
    }

    #[test]
    fn nothing_changed_is_empty_and_a_new_file_is_all_added() {
        assert!(changed_lines("[a]\nx = 1\n", "[a]\nx = 1\n").is_empty());
        assert_eq!(
            render(&changed_lines("", "[profile a]\nx = 1\n")),
            "+[profile a]\n+x = 1\n"
        );
    }
}
