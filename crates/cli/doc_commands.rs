//! Every `otpilot` command line shown in README.md and docs/*.md (in ```sh blocks) is one
//! this CLI accepts as written: the subcommands, options and values parse. It runs nothing,
//! so a renamed command or option in the code, or a typo in the docs, fails here.

use std::path::Path;

use clap::Parser;

use crate::cli::Cli;

/// The `otpilot ...` command lines of the ```sh blocks in `text`, with line continuations
/// joined and comments, redirections and the rest of a pipeline removed.
fn commands(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut in_sh = false;
    let mut pending = String::new();
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            in_sh = line.trim() == "```sh" && !in_sh;
            continue;
        }
        if !in_sh {
            continue;
        }
        let code = strip_comment(line);
        if let Some(start) = code.strip_suffix('\\') {
            pending.push_str(start);
            continue;
        }
        pending.push_str(&code);
        let whole = std::mem::take(&mut pending);
        for segment in whole.split(['|', ';', ')']).flat_map(|s| s.split("&&")) {
            if let Some(at) = find_otpilot(segment) {
                found.push(segment[at..].trim().to_owned());
            }
        }
    }
    found
}

/// The line without a `#` comment that starts outside quotes.
fn strip_comment(line: &str) -> String {
    let mut quote = None;
    let mut out = String::new();
    let mut prev = ' ';
    for c in line.chars() {
        match (quote, c) {
            (None, '#') if prev.is_whitespace() => break,
            (None, '\'' | '"') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            _ => {}
        }
        out.push(c);
        prev = c;
    }
    out.trim_end().to_owned()
}

/// Where `otpilot ` starts a command in `segment` (at its start, or after `(` or a quote).
fn find_otpilot(segment: &str) -> Option<usize> {
    let at = segment.find("otpilot ")?;
    let before = segment[..at].trim_end();
    (before.is_empty() || before.ends_with(['(', '"', '$'])).then_some(at)
}

/// Shell words, quotes removed; redirections (`> file`, `2>&1`, `< file`) dropped.
fn words(command: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quote = None;
    for c in command.chars() {
        match (quote, c) {
            (None, '\'' | '"') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, c) if c.is_whitespace() => {
                if !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
            }
            _ => word.push(c),
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    let mut kept = Vec::new();
    let mut skip_next = false;
    for w in words {
        if skip_next {
            skip_next = false;
        } else if w == ">" || w == ">>" || w == "<" {
            skip_next = true;
        } else if !w.starts_with(['>', '<']) && !w.starts_with("2>") {
            kept.push(w);
        }
    }
    kept
}

#[test]
fn every_command_in_the_readme_and_docs_parses() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = vec![root.join("README.md")];
    let mut docs: Vec<_> = std::fs::read_dir(root.join("docs"))
        .expect("docs/")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    docs.sort();
    files.extend(docs);

    let mut checked = 0;
    let mut failures = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for command in commands(&text) {
            checked += 1;
            if let Err(e) = Cli::try_parse_from(words(&command)) {
                // `--help` and `--version` "fail" by printing; they are fine as shown.
                if !matches!(
                    e.kind(),
                    clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion
                ) {
                    let name = file.strip_prefix(root).unwrap().display();
                    failures.push(format!("{name}: `{command}`: {}", e.kind()));
                }
            }
        }
    }
    assert!(
        checked > 50,
        "only {checked} commands found: is the extraction broken?"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_extraction_finds_commands_in_pipes_substitutions_and_continuations() {
    let text = "```sh\n\
        otpilot code work                 # 123456\n\
        pass show x | otpilot unlock --passphrase-stdin   # for scripts\n\
        eval \"$(otpilot export dev)\"\n\
        otpilot device add work --aws-seed-file seed.txt && shred -u seed.txt\n\
        aws iam create-virtual-mfa-device --virtual-mfa-device-name alice \\\n    --outfile seed.txt\n\
        otpilot completions bash > ~/.local/share/bash-completion/completions/otpilot\n\
        ```\n\
        otpilot not-in-a-block\n";
    let found = commands(text);
    assert_eq!(
        found,
        [
            "otpilot code work",
            "otpilot unlock --passphrase-stdin",
            "otpilot export dev",
            "otpilot device add work --aws-seed-file seed.txt",
            "otpilot completions bash > ~/.local/share/bash-completion/completions/otpilot",
        ]
    );
    assert_eq!(
        words(&found[4]),
        ["otpilot", "completions", "bash"],
        "the redirection is dropped"
    );
}
