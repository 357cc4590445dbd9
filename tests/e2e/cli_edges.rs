//! A newcomer's rough edges: completions that know this machine's names (bash and fish,
//! as the help says to install them), the `credential_process` line `profile setup` writes,
//! what setup says about MFA, the profile taken positionally, `exec` with no command, and
//! the small lines of doctor, profile list, log, import and --help, exactly as printed.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use crate::harness::aws::{AwsWorld, ACCOUNT, BASE_KEY_ID, BASE_SECRET};
use crate::harness::{otpilot_bin, random_seed, run_detached, Run, TestEnv};

/// A directory with `otpilot` in it, a link to the binary under test, as a package puts it
/// on PATH.
pub(crate) fn dir_with_otpilot(root: &Path) -> PathBuf {
    let dir = root.join("installed-bin");
    std::fs::create_dir_all(&dir).unwrap();
    std::os::unix::fs::symlink(otpilot_bin(), dir.join("otpilot")).unwrap();
    dir
}

fn lines(text: &str) -> Vec<&str> {
    text.lines().collect()
}

/// Runs `script` with `program` (bash, fish) in `env`'s environment.
fn shell(env: &[(String, String)], program: &str, script: &str) -> Output {
    Command::new(program)
        .args(["-c", script])
        .env_clear()
        .envs(env.iter().cloned())
        .stdin(Stdio::null())
        .output()
        .expect("start the shell")
}

fn stdout_of(out: &Output) -> String {
    assert!(
        out.status.success(),
        "failed:\nstdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Drives bash's programmable completion the way bash does at a TAB: COMP_WORDS, COMP_CWORD
/// and the function `complete -p otpilot` names; prints the COMPREPLY words that are not
/// options, sorted, one line per completed command line.
const BASH_TAB: &str = r#"
tab() {
  COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
  COMP_TYPE=9; COMPREPLY=()
  local spec fn; spec=$(complete -p otpilot); fn=${spec##*-F }; fn=${fn%% *}
  "$fn" otpilot "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
  printf '%s\n' "${COMPREPLY[@]}" | grep -v '^-' | sort | tr '\n' ' ' | sed 's/ $//'; echo
}
"#;

#[test]
fn completion_offers_device_profile_and_store_names_in_bash_and_fish() {
    let mut env = TestEnv::new();
    env.add_device(
        "work",
        &random_seed(20),
        &["--serial", &format!("arn:aws:iam::{ACCOUNT}:mfa/alice")],
    );
    env.add_device("home", &random_seed(20), &[]);
    let home = env.root.path().join("home");
    std::fs::create_dir_all(home.join(".aws")).unwrap();
    std::fs::write(
        home.join(".aws/config"),
        format!("[profile base]\nregion = us-east-1\n[profile admin]\nrole_arn = arn:aws:iam::{ACCOUNT}:role/Admin\nsource_profile = base\n"),
    )
    .unwrap();
    std::fs::write(
        home.join(".aws/credentials"),
        format!("[ci]\naws_access_key_id = {BASE_KEY_ID}\naws_secret_access_key = {BASE_SECRET}\n"),
    )
    .unwrap();
    let installed = dir_with_otpilot(env.root.path());
    env.set_env("PATH", &format!("{}:/usr/bin:/bin", installed.display()));
    // The completion path never opens the keyring: there is no bus to reach it by.
    env.set_env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus");
    let envs = env.envs();

    // The lines `otpilot completions --help` gives work in a home where the directories do
    // not exist yet.
    let help = env.ok(&["completions", "--help"], None);
    let install = |needle: &str| {
        let steps: Vec<&str> = help
            .lines()
            .map(str::trim)
            .filter(|l| l.contains(needle))
            .collect();
        assert_eq!(steps.len(), 2, "mkdir, then the script, in:\n{help}");
        assert!(steps[0].starts_with("mkdir -p "), "{help}");
        steps.join("\n")
    };
    assert!(!home.join(".local/share/bash-completion").exists());
    stdout_of(&shell(&envs, "bash", &install("bash-completion")));
    let bash_file = home.join(".local/share/bash-completion/completions/otpilot");
    let script = std::fs::read_to_string(&bash_file).unwrap();
    // PATH finds this binary as `otpilot`: the script calls it by that name.
    assert!(
        script.contains("\"otpilot\" -- \"${words[@]}\""),
        "{script}"
    );
    stdout_of(&shell(&envs, "fish", &install("fish/completions")));
    let fish_file = home.join(".config/fish/completions/otpilot.fish");
    assert!(fish_file.exists());

    let bash = stdout_of(&shell(
        &envs,
        "bash",
        &format!(
            "source {}\n{BASH_TAB}\n\
             tab otpilot code ''\ntab otpilot code w\ntab otpilot exec ''\n\
             tab otpilot vault migrate --to ''\ntab otpilot account report a\n\
             tab otpilot profile setup b\ntab otpilot mfa resync ''",
            bash_file.display()
        ),
    ));
    assert_eq!(
        lines(&bash),
        [
            "home work",
            "work",
            "admin base ci",
            "keyring vault",
            "admin",
            "base",
            "home work",
        ],
        "{bash}"
    );

    let fish = stdout_of(&shell(
        &envs,
        "fish",
        &format!(
            "source {}\n\
             complete --do-complete 'otpilot code ' | string match -v -- '-*'\necho ==\n\
             complete --do-complete 'otpilot exec a'\necho ==\n\
             complete --do-complete 'otpilot vault migrate --to '",
            fish_file.display()
        ),
    ));
    assert_eq!(
        lines(&fish),
        [
            format!("work\tarn:aws:iam::{ACCOUNT}:mfa/alice").as_str(),
            "home",
            "==",
            "admin",
            "==",
            "keyring",
            "vault",
        ],
        "{fish}"
    );
}

/// `sh -c LINE` in the world, as an SDK runs a credential_process line.
fn run_line(w: &AwsWorld, line: &str) -> Output {
    Command::new("sh")
        .args(["-c", line])
        .env_clear()
        .envs(w.envs())
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn credential_process_line(w: &AwsWorld, profile: &str) -> String {
    let config = std::fs::read_to_string(w.config_path()).unwrap();
    let section = format!("[profile {profile}]");
    config
        .split(&section)
        .nth(1)
        .and_then(|rest| {
            rest.lines()
                .take_while(|l| !l.starts_with('['))
                .find_map(|l| l.strip_prefix("credential_process = "))
        })
        .unwrap_or_else(|| panic!("no credential_process for {profile}:\n{config}"))
        .to_owned()
}

#[test]
fn setup_writes_the_bare_name_only_when_path_finds_this_binary() {
    let mut w = AwsWorld::new();
    w.standard_profiles();
    let root = w.env.root.path().to_owned();
    let installed = dir_with_otpilot(&root);
    let exe = std::fs::canonicalize(otpilot_bin()).unwrap();

    // `otpilot` on PATH is this binary: the line says `otpilot`, as the help promises.
    w.env
        .set_env("PATH", &format!("{}:/usr/bin:/bin", installed.display()));
    let run = w.run(&["profile", "setup", "admin"]);
    run.assert_ok();
    assert!(
        lines(&run.stderr())
            .contains(&"credential_process runs `otpilot`: the `otpilot` on PATH is this binary"),
        "{}",
        run.stderr()
    );
    let line = credential_process_line(&w, "admin");
    assert_eq!(line, "otpilot credential-process admin");
    let json: serde_json::Value = serde_json::from_str(&stdout_of(&run_line(&w, &line))).unwrap();
    assert_eq!(json["Version"], 1);

    // Another `otpilot` first on PATH: the absolute path, and which one is in the way.
    let other = root.join("other-bin");
    std::fs::create_dir_all(&other).unwrap();
    std::fs::write(other.join("otpilot"), "#!/bin/sh\nexit 3\n").unwrap();
    std::fs::set_permissions(
        other.join("otpilot"),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    w.env.set_env(
        "PATH",
        &format!("{}:{}:/usr/bin:/bin", other.display(), installed.display()),
    );
    let run = w.run(&["profile", "setup", "readonly"]);
    run.assert_ok();
    let expected = format!(
        "credential_process runs `{}`: the `otpilot` on PATH is another binary, {}",
        exe.display(),
        other.join("otpilot").display()
    );
    assert!(
        lines(&run.stderr()).contains(&expected.as_str()),
        "{}",
        run.stderr()
    );
    let line = credential_process_line(&w, "readonly");
    assert_eq!(
        line,
        format!("{} credential-process readonly", exe.display())
    );
    let json: serde_json::Value = serde_json::from_str(&stdout_of(&run_line(&w, &line))).unwrap();
    assert_eq!(json["Version"], 1);

    // No `otpilot` on PATH at all.
    let empty = root.join("empty-bin");
    std::fs::create_dir_all(&empty).unwrap();
    w.env.set_env("PATH", &empty.display().to_string());
    let run = w.run(&["profile", "setup", "admin"]);
    run.assert_ok();
    assert!(
        lines(&run.stderr()).contains(
            &format!(
                "credential_process runs `{}`: there is no `otpilot` on PATH",
                exe.display()
            )
            .as_str()
        ),
        "{}",
        run.stderr()
    );
    assert_eq!(
        credential_process_line(&w, "admin"),
        format!("{} credential-process admin", exe.display())
    );
}

#[test]
fn setup_says_when_a_role_borrows_its_source_device_or_no_mfa_is_used() {
    let w = AwsWorld::new();
    w.write_config(&format!(
        "[profile base]\nregion = us-east-1\nmfa_serial = {{serial}}\n\
         [profile borrow]\nregion = us-east-1\nrole_arn = arn:aws:iam::{ACCOUNT}:role/Borrow\nsource_profile = base\n\
         [profile admin]\nregion = us-east-1\nrole_arn = arn:aws:iam::{ACCOUNT}:role/Admin\nsource_profile = base\nmfa_serial = {{serial}}\n\
         [profile plain]\nregion = us-east-1\n\
         [profile bare]\nregion = us-east-1\nrole_arn = arn:aws:iam::{ACCOUNT}:role/Bare\nsource_profile = plain\n"
    ));
    std::fs::write(
        w.credentials_path(),
        format!("[base]\naws_access_key_id = {BASE_KEY_ID}\naws_secret_access_key = {BASE_SECRET}\n\
                 [plain]\naws_access_key_id = {BASE_KEY_ID}\naws_secret_access_key = {BASE_SECRET}\n"),
    )
    .unwrap();

    let run = w.run(&["profile", "setup", "borrow"]);
    run.assert_ok();
    let note = format!(
        "note: `borrow` has no mfa_serial of its own, so Otpilot uses the device of its source profile `base` ({}); the AWS CLI would assume the role without MFA",
        w.serial
    );
    assert!(
        lines(&run.stderr()).contains(&note.as_str()),
        "{}",
        run.stderr()
    );
    // And it does: the role comes through an MFA session with base's device.
    assert_eq!(w.credential_process("borrow")["Version"], 1);
    let sessions = w.gate.requests_for("GetSessionToken");
    assert_eq!(sessions.len(), 1);
    assert_eq!(sessions[0].param("SerialNumber"), Some(w.serial.as_str()));

    let run = w.run(&["profile", "setup", "bare"]);
    run.assert_ok();
    assert!(
        lines(&run.stderr()).contains(
            &"otpilot: warning: no profile in the chain of `bare` names an mfa_serial, so its credentials carry no MFA; add `mfa_serial = arn:aws:iam::ACCOUNT:mfa/NAME` to [profile plain], or enrol a device with `otpilot mfa enroll --profile plain`"
        ),
        "{}",
        run.stderr()
    );

    // A role with its own device: nothing to say about MFA.
    let run = w.run(&["profile", "setup", "admin"]);
    run.assert_ok();
    assert!(
        !run.stderr().contains("note:") && !run.stderr().contains("warning"),
        "{}",
        run.stderr()
    );
}

#[test]
fn account_report_takes_the_profile_as_exec_and_export_do() {
    let w = AwsWorld::with_own_moto(TestEnv::new());
    w.write_config("[profile base]\nregion = us-east-1\nmfa_serial = {serial}\n");
    w.write_base_credentials();
    let findings = |run: &Run| -> serde_json::Value {
        let report: serde_json::Value = serde_json::from_str(&run.stdout())
            .unwrap_or_else(|e| panic!("not JSON ({e}): {} {}", run.stdout(), run.stderr()));
        report["findings"].clone()
    };
    let positional = w.run(&["account", "report", "base", "--json"]);
    let option = w.run(&["account", "report", "--profile", "base", "--json"]);
    assert_eq!(positional.code(), option.code(), "{}", positional.stderr());
    assert!(findings(&positional)
        .as_array()
        .is_some_and(|f| !f.is_empty()));
    assert_eq!(findings(&positional), findings(&option));

    let both = w.run(&["account", "report", "base", "--profile", "base"]);
    assert_eq!(both.code(), 2);
    assert!(
        both.stderr().starts_with(
            "error: the argument '[PROFILE]' cannot be used with '--profile <PROFILE>'"
        ),
        "{}",
        both.stderr()
    );
    let neither = w.run(&["account", "report"]);
    assert_eq!(neither.code(), 2);
    assert!(
        neither.stderr().starts_with(
            "error: the following required arguments were not provided:\n  <PROFILE>\n"
        ),
        "{}",
        neither.stderr()
    );
}

/// Runs otpilot in the world with `stdin` piped in and `extra` variables.
fn run_with(w: &AwsWorld, args: &[&str], stdin: &str, extra: &[(&str, &str)]) -> Run {
    use std::io::Write;
    let mut cmd = w.otpilot(args);
    for (k, v) in extra {
        cmd.env(k, v);
    }
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    Run(child.wait_with_output().unwrap())
}

#[test]
fn exec_without_a_command_starts_the_shell_with_the_credentials() {
    let w = AwsWorld::new();
    w.standard_profiles();
    let report =
        "echo \"profile=$OTPILOT_PROFILE\"; test -n \"$AWS_SESSION_TOKEN\" && echo token=yes\n";

    // $SHELL, as aws-vault starts it.
    let fake = w.env.root.path().join("my-shell");
    std::fs::write(&fake, format!("#!/bin/sh\necho shell=mine\n{report}")).unwrap();
    std::fs::set_permissions(&fake, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let run = run_with(
        &w,
        &["exec", "admin"],
        "",
        &[("SHELL", fake.to_str().unwrap())],
    );
    run.assert_ok();
    assert_eq!(run.stdout(), "shell=mine\nprofile=admin\ntoken=yes\n");
    assert_eq!(
        lines(&run.stderr()),
        [format!(
            "otpilot: starting {} with the credentials of `admin`; `exit` leaves it",
            fake.display()
        )]
    );

    // No $SHELL: /bin/sh, reading its commands from stdin here.
    let run = run_with(&w, &["exec", "admin"], report, &[]);
    run.assert_ok();
    assert_eq!(run.stdout(), "profile=admin\ntoken=yes\n");
    assert_eq!(
        lines(&run.stderr()),
        ["otpilot: starting /bin/sh with the credentials of `admin`; `exit` leaves it"]
    );

    // Inside an exec for another profile: refused, no shell started.
    let nested = run_with(
        &w,
        &["exec", "admin"],
        report,
        &[("OTPILOT_PROFILE", "readonly")],
    );
    nested.assert_one_line_error("already inside `otpilot exec` for profile `readonly`");
}

/// The vault's line in `doctor`: no `store: store:`.
#[test]
fn doctor_store_line_says_store_once() {
    let w = AwsWorld::without_stored_device(TestEnv::without_desktop());
    let detached = |args: &[&str], stdin: Option<&str>| run_detached(w.otpilot(args), stdin);
    detached(
        &["vault", "init", "--passphrase-stdin"],
        Some("correct horse battery staple\n"),
    )
    .assert_ok();
    // The agent outlives the test unless stopped, whatever happens below.
    struct StopAgent<'w>(&'w AwsWorld);
    impl Drop for StopAgent<'_> {
        fn drop(&mut self) {
            crate::vault::stop_agent(self.0, libc::SIGTERM);
        }
    }
    let _agent = StopAgent(&w);
    detached(
        &["unlock", "--passphrase-stdin"],
        Some("correct horse battery staple\n"),
    )
    .assert_ok();
    let doctor = detached(&["doctor"], None);
    let vault = w
        .env
        .root
        .path()
        .join("home/.local/share/otpilot/vault.age");
    let store_line = lines(&doctor.stdout())
        .into_iter()
        .find(|l| l.contains(" store: "))
        .unwrap_or_else(|| panic!("{}", doctor.stdout()))
        .to_owned();
    assert!(
        store_line.starts_with(&format!(
            "ok    store: the vault {}, unlocked; the agent answers",
            vault.display()
        )),
        "{store_line}"
    );
    // The idle lock (8 h by default) in hours and minutes, not in seconds.
    assert!(
        [
            "; it locks after 8 h more idle",
            "; it locks after 7 h 59 min more idle"
        ]
        .iter()
        .any(|end| store_line.trim_end().ends_with(end)),
        "{store_line}"
    );
}

/// The TPM's skip line: what was found, brackets one deep.
#[test]
fn doctor_tpm_skip_line_says_what_was_found_without_nested_brackets() {
    let mut env = TestEnv::new();
    env.set_env("OTPILOT_TPM_TCTI", "device:/nonexistent/tpmrm0");
    let doctor = env.run(&["doctor"], None);
    let tpm = lines(&doctor.stdout())
        .into_iter()
        .find(|l| l.contains(" tpm: "))
        .unwrap_or_else(|| panic!("{}", doctor.stdout()))
        .to_owned();
    assert!(
        tpm.starts_with("skip  tpm: no TPM answers at device:/nonexistent/tpmrm0: "),
        "{tpm}"
    );
    assert!(
        tpm.ends_with("; only devices sealed with --tpm need one"),
        "{tpm}"
    );
    let mut depth = 0i32;
    let mut deepest = 0;
    for c in tpm.chars() {
        depth += match c {
            '(' => 1,
            ')' => -1,
            _ => 0,
        };
        deepest = deepest.max(depth);
    }
    assert!(deepest <= 1, "brackets inside brackets: {tpm}");
}

#[test]
fn profile_list_columns_line_up_with_their_headers() {
    let w = AwsWorld::new();
    w.standard_profiles();
    w.run(&["profile", "setup", "admin"]).assert_ok();
    let list = w.ok(&["profile", "list"]);
    let rows = lines(&list);
    let header = rows[0];
    assert!(header.starts_with("PROFILE   OTPILOT  DEVICE"), "{list}");
    let wired = header.find("OTPILOT").unwrap();
    let device = header.find("DEVICE").unwrap();
    let chain = header.find("CHAIN").unwrap();
    let admin = rows.iter().find(|r| r.starts_with("admin ")).unwrap();
    assert_eq!(&admin[wired..wired + 4], "yes ", "{list}");
    assert_eq!(&admin[device..device + 6], "alice ", "{list}");
    let json: serde_json::Value =
        serde_json::from_str(&w.ok(&["profile", "list", "--json"])).unwrap();
    let admin_chain: Vec<&str> = json
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["profile"] == "admin")
        .unwrap()["chain"]
        .as_array()
        .unwrap()
        .iter()
        .map(|step| step.as_str().unwrap())
        .collect();
    assert_eq!(&admin[chain..], admin_chain.join(" -> "), "{list}");
    let base = rows.iter().find(|r| r.starts_with("base ")).unwrap();
    assert_eq!(&base[wired..wired + 3], "no ", "{list}");
}

#[test]
fn log_says_where_codes_went_in_aligned_columns() {
    let env = TestEnv::new();
    env.add_device("work", &random_seed(20), &[]);
    env.ok(&["code", "work"], None);
    // An entry the headless agent wrote, as it writes them.
    let log = env.root.path().join("state/otpilot/audit.jsonl");
    let mut text = std::fs::read_to_string(&log).unwrap();
    text.push_str(&format!(
        "{{\"time\":{},\"event\":\"credentials_issued\",\"origin\":\"agent\",\"profile\":\"admin\",\"operation\":\"AssumeRole\"}}\n",
        otpilot_core::clock::unix_now()
    ));
    std::fs::write(&log, text).unwrap();
    let shown = env.ok(&["log"], None);
    let rows = lines(&shown);
    assert_eq!(rows.len(), 2, "{shown}");
    assert!(
        rows[0].ends_with("  cli    device work, shown on the terminal"),
        "{shown}"
    );
    assert!(
        rows[1].ends_with("  agent  profile admin, via AssumeRole"),
        "{shown}"
    );
    assert_eq!(rows[0].find("  cli "), rows[1].find("  agent "), "{shown}");
    assert_eq!(
        rows[0].find("device work"),
        rows[1].find("profile admin"),
        "{shown}"
    );
}

/// `log --limit 0` is refused as a usage error, not answered with "the log is empty".
#[test]
fn log_limit_zero_is_refused() {
    let env = TestEnv::new();
    env.add_device("work", &random_seed(20), &[]);
    env.ok(&["code", "work"], None);
    let zero = env.run(&["log", "--limit", "0"], None);
    assert_eq!(zero.code(), 2);
    assert!(zero.stdout().is_empty());
    assert_eq!(
        lines(&zero.stderr())[0],
        "error: invalid value '0' for '--limit <LIMIT>': show at least 1 entry"
    );
}

/// An otpauth list with an AWS entry (its serial in the label) and a shop's entry with an
/// 80-bit seed; returns its path.
fn export_with_an_aws_entry_and_a_short_seed(dir: &Path) -> String {
    let file = dir.join("codes.txt");
    let dave = random_seed(20);
    // 16 base32 characters: an 80-bit seed, accepted with a warning.
    let short = random_seed(10);
    std::fs::write(
        &file,
        format!(
            "otpauth://totp/Amazon%20Web%20Services:arn:aws:iam::210987654321:mfa/dave?secret={dave}&issuer=Amazon%20Web%20Services\n\
             otpauth://totp/Shop:ann?secret={short}&issuer=Shop\n"
        ),
    )
    .unwrap();
    file.to_str().unwrap().to_owned()
}

#[test]
fn imported_names_are_short_and_readable() {
    let env = TestEnv::new();
    let dir = tempfile::tempdir().unwrap();
    let path = export_with_an_aws_entry_and_a_short_seed(dir.path());
    let first = env.run(&["device", "import", &path, "--prefix", "phone"], None);
    first.assert_ok();
    let stderr = first.stderr();
    assert!(
        lines(&stderr).contains(&"added `phone-AWS-dave` (Amazon Web Services, arn:aws:iam::210987654321:mfa/dave; SHA1, 6 digits, 30 s; serial arn:aws:iam::210987654321:mfa/dave)"),
        "{stderr}"
    );
    assert!(
        lines(&stderr)
            .iter()
            .any(|l| l.starts_with("added `phone-Shop-ann` (")),
        "{stderr}"
    );
}

#[test]
fn the_short_seed_warning_is_said_once_and_not_again_on_a_repeat_import() {
    let env = TestEnv::new();
    let dir = tempfile::tempdir().unwrap();
    let path = export_with_an_aws_entry_and_a_short_seed(dir.path());
    let first = env.run(&["device", "import", &path], None);
    first.assert_ok();
    let stderr = first.stderr();
    let warnings: Vec<&str> = lines(&stderr)
        .into_iter()
        .filter(|l| l.starts_with("otpilot: warning: "))
        .collect();
    assert_eq!(warnings.len(), 1, "{stderr}");
    assert!(warnings[0].starts_with("otpilot: warning: Shop: ann: this seed is only 80 bits"));

    let again = env.run(&["device", "import", &path], None);
    again.assert_ok();
    assert!(!again.stderr().contains("warning"), "{}", again.stderr());
    assert!(
        lines(&again.stderr())
            .contains(&"nothing to add from the list of otpauth URIs: all 2 entries were skipped"),
        "{}",
        again.stderr()
    );
}

#[test]
fn help_explains_every_option_asked_about() {
    let env = TestEnv::new();
    let mut wrong = Vec::new();
    for (args, flag, text) in [
        (
            &["unlock", "--help"][..],
            "--passphrase-stdin",
            "Read the passphrase from stdin's first line instead of asking on the terminal",
        ),
        (
            &["profile", "setup", "--help"][..],
            "<PROFILE>",
            "The profile in ~/.aws/config to wire",
        ),
        (
            &["keys", "import", "--help"][..],
            "<PROFILE>",
            "The profile whose aws_access_key_id and aws_secret_access_key move",
        ),
        (
            &["profile", "list", "--help"][..],
            "--json",
            "Print JSON instead of a table",
        ),
    ] {
        let help = env.ok(args, None);
        let rows = lines(&help);
        let Some(at) = rows.iter().position(|l| {
            let t = l.trim_start();
            l.starts_with(' ') && (t == flag || t.starts_with(&format!("{flag} ")))
        }) else {
            wrong.push(format!("no {flag} in:\n{help}"));
            continue;
        };
        // The text after the flag, with the lines it wraps onto (indented deeper, no flag).
        let mut said = vec![rows[at].trim_start().strip_prefix(flag).unwrap().trim()];
        said.extend(
            rows[at + 1..]
                .iter()
                .take_while(|l| {
                    l.starts_with("     ") && !l.trim_start().starts_with(['-', '<', '['])
                })
                .map(|l| l.trim()),
        );
        said.retain(|part| !part.is_empty());
        if said.join(" ") != text {
            wrong.push(format!(
                "`otpilot {}`: {flag} says {:?}, not {text:?}",
                args.join(" "),
                said.join(" ")
            ));
        }
    }
    // Every wrong text at once, not only the first.
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn only_the_newest_config_backups_are_kept_and_the_message_says_so() {
    let w = AwsWorld::new();
    w.standard_profiles();
    let mut last = String::new();
    for _ in 0..4 {
        w.run(&["profile", "setup", "admin"]).assert_ok();
        let unwire = w.run(&["profile", "unwire", "admin"]);
        unwire.assert_ok();
        last = unwire.stderr();
    }
    assert_eq!(w.config_backups().len(), 5);
    let saved = lines(&last)
        .into_iter()
        .find(|l| l.starts_with("the previous config is saved as "))
        .unwrap_or_else(|| panic!("{last}"))
        .to_owned();
    let path = saved
        .strip_prefix("the previous config is saved as ")
        .and_then(|rest| rest.strip_suffix(" (the newest 5 backups are kept there)"))
        .unwrap_or_else(|| panic!("{saved}"));
    assert!(Path::new(path).exists(), "{saved}");
    assert_eq!(Path::new(path).parent(), w.config_path().parent());
}
