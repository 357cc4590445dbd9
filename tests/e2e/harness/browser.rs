//! A recording `$BROWSER`: for each call it logs its argument count, its argument and, when
//! that is a `file://` page, the page's mode and a copy of the page (as a browser reading it
//! would), so a test can assert what reached argv and follow the page to the URL it opens.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

pub struct RecordingBrowser {
    pub script: PathBuf,
    dir: PathBuf,
}

/// One call of the browser.
#[derive(Debug, Clone)]
pub struct Opened {
    /// Exactly what the browser got in argv.
    pub arg: String,
    /// The page's mode (octal) when the browser read it, for a `file://` argument.
    pub page_mode: Option<String>,
    /// The URL the page sends the browser on to (or the argument itself, if not a page).
    pub url: String,
    /// The page's file, as given.
    pub page: Option<PathBuf>,
}

impl RecordingBrowser {
    pub fn new(dir: &Path) -> Self {
        std::fs::create_dir_all(dir).unwrap();
        let script = dir.join("record-url");
        let log = dir.join("opened.log");
        std::fs::write(
            &script,
            format!(
                "#!/bin/sh\n\
                 n=$(wc -l < '{log}' 2>/dev/null || echo 0)\n\
                 mode=-\n\
                 case \"$1\" in file://*) p=\"${{1#file://}}\"; mode=$(stat -c %a \"$p\"); cp \"$p\" '{dir}/page-'\"$n\".html;; esac\n\
                 printf '%s %s %s\\n' \"$#\" \"$mode\" \"$1\" >> '{log}'\n",
                log = log.display(),
                dir = dir.display()
            ),
        )
        .unwrap();
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        Self {
            script,
            dir: dir.to_owned(),
        }
    }

    /// Every call so far, each checked to have had exactly one argument.
    pub fn opened(&self) -> Vec<Opened> {
        std::fs::read_to_string(self.dir.join("opened.log"))
            .unwrap_or_default()
            .lines()
            .enumerate()
            .map(|(n, line)| {
                let mut parts = line.splitn(3, ' ');
                let (argc, mode, arg) = (
                    parts.next().unwrap(),
                    parts.next().unwrap(),
                    parts.next().unwrap_or_default().to_owned(),
                );
                assert_eq!(argc, "1", "the browser gets one argument");
                match arg.strip_prefix("file://") {
                    Some(page) => {
                        let html = std::fs::read_to_string(self.dir.join(format!("page-{n}.html")))
                            .unwrap();
                        Opened {
                            url: page_target(&html),
                            page_mode: Some(mode.to_owned()),
                            page: Some(PathBuf::from(page)),
                            arg,
                        }
                    }
                    None => Opened {
                        url: arg.clone(),
                        page_mode: None,
                        page: None,
                        arg,
                    },
                }
            })
            .collect()
    }

    /// The browser's own files (its log, the copies of pages), which hold the URL by design.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

/// The link target of Otpilot's page, unescaped.
fn page_target(html: &str) -> String {
    let start = html.find("id=\"go\" href=\"").expect("the page's link") + 14;
    let end = start + html[start..].find('"').unwrap();
    html[start..end]
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}
