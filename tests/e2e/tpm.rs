//! Seeds sealed in a software TPM (swtpm, one per test, on loopback): codes computed by the
//! TPM against oathtool for random seeds, parameters and times; the seed in no keyring item
//! and no file; a second TPM refusing the first one's key; PINs and the dictionary-attack
//! lockout; no TPM at all; credential_process through the MFA gate. Enrolment and rotation
//! with --tpm: tpm_mfa.rs.

use std::process::Command;

use crate::harness::aws::AwsWorld;
use crate::harness::pty::Pty;
use crate::harness::tpm::Swtpm;
use crate::harness::{random_seed, run_detached, run_tool, TestEnv};

/// oathtool's code for a base32 seed at unix time `t`.
pub(crate) fn oathtool(seed: &str, algorithm: &str, digits: u8, period: u64, t: u64) -> String {
    run_tool(Command::new("oathtool").args([
        &format!("--totp={}", algorithm.to_lowercase()),
        "-b",
        "-N",
        &format!("@{t}"),
        "-d",
        &digits.to_string(),
        "-s",
        &format!("{period}s"),
        seed,
    ]))
}

pub(crate) fn env_on(tpm: &Swtpm) -> TestEnv {
    let mut env = TestEnv::new();
    env.set_env("OTPILOT_TPM_TCTI", &tpm.tcti());
    env
}

/// Every encoding of a seed the suite looks for: base32 (as pasted), raw, hex, base64.
fn encodings(seed: &str) -> Vec<Vec<u8>> {
    let raw = data_encoding::BASE32_NOPAD.decode(seed.as_bytes()).unwrap();
    vec![
        seed.as_bytes().to_vec(),
        data_encoding::HEXLOWER.encode(&raw).into_bytes(),
        data_encoding::BASE64.encode(&raw).into_bytes(),
        raw,
    ]
}

/// The keyring items of every device of `env`, read with `secret-tool`: each a sealed key
/// (the keyring is shared with other tests, so only this test's items are read).
fn keyring_dump(env: &TestEnv) -> Vec<u8> {
    let mut dump = Vec::new();
    for d in env.devices() {
        let item = env
            .secret_tool_lookup(d["name"].as_str().unwrap())
            .expect("every device has its keyring item");
        let key: serde_json::Value = serde_json::from_str(&item).expect("a sealed key is JSON");
        assert!(
            key["private"].is_string() && key["parent"].is_string(),
            "{item}"
        );
        dump.extend_from_slice(item.as_bytes());
    }
    dump
}

/// No keyring item of `env` and no file under its root holds any of `seeds`, in any encoding.
pub(crate) fn assert_seeds_nowhere(env: &TestEnv, seeds: &[String]) {
    let dump = keyring_dump(env);
    assert!(
        !dump.is_empty(),
        "no item to search: the check would prove nothing"
    );
    let files = all_files(env.root.path());
    assert!(!files.is_empty());
    for seed in seeds {
        for needle in encodings(seed) {
            let found = |hay: &[u8]| hay.windows(needle.len()).any(|w| w == needle.as_slice());
            assert!(!found(&dump), "a keyring item holds a sealed seed");
            for (path, bytes) in &files {
                assert!(!found(bytes), "{} holds a sealed seed", path.display());
            }
        }
    }
}

/// Every file under `dir`, read.
fn all_files(dir: &std::path::Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = entry.path();
            match entry.file_type() {
                Ok(t) if t.is_dir() => stack.push(path),
                Ok(t) if t.is_file() => {
                    if let Ok(bytes) = std::fs::read(&path) {
                        out.push((path, bytes));
                    }
                }
                _ => {}
            }
        }
    }
    out
}

/// The sealed key's public area as tpm2-tools (an independent parser) prints it.
fn printed_public(env: &TestEnv, name: &str) -> String {
    let item = env.secret_tool_lookup(name).unwrap();
    let key: serde_json::Value = serde_json::from_str(&item).unwrap();
    let public = data_encoding::BASE64
        .decode(key["public"].as_str().unwrap().as_bytes())
        .unwrap();
    let file = env.root.path().join(format!("{name}.pub"));
    std::fs::write(&file, public).unwrap();
    let printed =
        run_tool(Command::new("tpm2_print").args(["-t", "TPM2B_PUBLIC", file.to_str().unwrap()]));
    std::fs::remove_file(file).unwrap();
    printed
}

pub(crate) fn device_row(env: &TestEnv, name: &str) -> serde_json::Value {
    env.devices()
        .into_iter()
        .find(|d| d["name"] == name)
        .unwrap_or_else(|| panic!("no device {name}"))
}

/// The algorithms this swtpm's TPM implements, as tpm2-tools (an independent client) lists.
fn hmac_algorithms(tpm: &Swtpm) -> Vec<&'static str> {
    let listed = run_tool(tpm.tool("tpm2_getcap").arg("algorithms"));
    ["SHA1", "SHA256", "SHA512"]
        .into_iter()
        .filter(|a| listed.contains(&format!("{}:", a.to_lowercase())))
        .collect()
}

#[test]
fn sealed_codes_match_oathtool_for_100_random_seeds_parameters_and_times() {
    let tpm = Swtpm::start();
    let env = env_on(&tpm);
    let algorithms = hmac_algorithms(&tpm);
    assert!(
        algorithms.contains(&"SHA1") && algorithms.contains(&"SHA256"),
        "{algorithms:?}"
    );
    let mut seeds = Vec::new();
    for i in 0..100u64 {
        let algorithm = algorithms[i as usize % algorithms.len()];
        let digits = [6u8, 8][(i / 3 % 2) as usize];
        let period = [30u64, 60][(i / 6 % 2) as usize];
        // 10 to 64 bytes: 80-bit seeds some services still issue, up to a SHA-512 block.
        let seed = random_seed(10 + (rand::random::<u32>() % 55) as usize);
        let uri = format!(
            "otpauth://totp/Test:d{i}?secret={seed}&issuer=Test&algorithm={algorithm}&digits={digits}&period={period}"
        );
        let name = format!("d{i}");
        // Half sealed as they are added, half moved into the TPM afterwards.
        if i % 2 == 0 {
            env.ok(&["device", "add", &name, "--tpm"], Some(&uri));
        } else {
            env.ok(&["device", "add", &name], Some(&uri));
            env.ok(&["device", "protect", &name], None);
        }
        let row = device_row(&env, &name);
        assert_eq!(row["location"], "tpm", "{row}");
        assert_eq!(row["algorithm"], algorithm);
        let t = 1_000_000_000 + rand::random::<u64>() % 3_000_000_000;
        let code = env.ok(&["code", &name, "--at", &t.to_string()], None);
        assert_eq!(
            code.trim(),
            oathtool(&seed, algorithm, digits, period, t),
            "device {name}: {algorithm} {digits} digits {period} s at {t}"
        );
        seeds.push(seed);
    }
    assert_seeds_nowhere(&env, &seeds);
    // What the TPM made, read by tpm2-tools: an HMAC key bound to this TPM and its parent
    // (never duplicable), from the seed given (not generated inside), exempt from the
    // lockout since it has no PIN; SHA-1 for d0, as asked.
    let printed = printed_public(&env, "d0");
    assert!(
        printed.contains("value: fixedtpm|fixedparent|userwithauth|noda|sign"),
        "{printed}"
    );
    assert!(
        printed.contains("value: keyedhash") && printed.contains("value: hmac"),
        "{printed}"
    );
    assert!(printed.contains("hash-alg:\n  value: sha1"), "{printed}");
    // Nothing was left loaded in a TPM that has no resource manager (tpm2-tools' view).
    let transient = run_tool(tpm.tool("tpm2_getcap").arg("handles-transient"));
    assert!(transient.trim().is_empty(), "left loaded: {transient}");
    // doctor names the TPM and every sealed device.
    let doctor = env.run(&["doctor"], None);
    let out = doctor.stdout() + &doctor.stderr();
    let line = out.lines().find(|l| l.contains("tpm:")).unwrap_or_default();
    assert!(
        line.contains("answers and holds the seeds of: d0, d1"),
        "{out}"
    );
}

#[test]
fn a_software_tpm_that_was_never_started_is_started_once() {
    let tpm = Swtpm::start_unstarted();
    let env = env_on(&tpm);
    let seed = random_seed(20);
    env.ok(&["device", "add", "fresh", "--tpm"], Some(&seed));
    assert_eq!(
        env.ok(&["code", "fresh", "--at", "1800000000"], None)
            .trim(),
        oathtool(&seed, "SHA1", 6, 30, 1_800_000_000)
    );
}

#[test]
fn a_key_sealed_by_one_tpm_gives_no_code_in_another() {
    let first = Swtpm::start();
    let second = Swtpm::start();
    let mut env = env_on(&first);
    let seed = random_seed(20);
    env.ok(&["device", "add", "laptop", "--tpm"], Some(&seed));
    let t = "1800000000";
    let code = env.ok(&["code", "laptop", "--at", t], None);

    // The same keyring item, on a machine whose TPM has its own state (a restored backup).
    env.set_env("OTPILOT_TPM_TCTI", &second.tcti());
    let refused = env.run(&["code", "laptop", "--at", t], None);
    let line = refused.assert_one_line_error("sealed by another TPM");
    assert!(
        line.contains("otpilot device add laptop --force --tpm"),
        "{line}"
    );
    assert!(!line.contains(&seed));
    let doctor = env.run(&["doctor"], None);
    assert!(
        (doctor.stdout() + &doctor.stderr()).contains("sealed by another TPM"),
        "{}",
        doctor.stdout()
    );

    // Its own TPM still makes the code.
    env.set_env("OTPILOT_TPM_TCTI", &first.tcti());
    assert_eq!(env.ok(&["code", "laptop", "--at", t], None), code);

    // Cleared (TPM2_Clear, as a firmware reset does): its storage key is a new one, so the
    // key is refused the same way, and the keyring item is still there to prove it.
    run_tool(first.tool("tpm2_clear").args(["-c", "p"]));
    env.run(&["code", "laptop", "--at", t], None)
        .assert_one_line_error("this machine's before its TPM was cleared");
    assert!(env.secret_tool_lookup("laptop").is_some());
}

#[test]
fn credential_process_uses_a_sealed_device_against_the_mfa_gate() {
    let tpm = Swtpm::start();
    let world = AwsWorld::without_stored_device(env_on(&tpm));
    world.env.ok(
        &["device", "add", "alice", "--serial", &world.serial, "--tpm"],
        Some(&world.seed),
    );
    world.standard_profiles();
    let creds = world.credential_process("admin");
    assert!(creds["AccessKeyId"].as_str().unwrap().starts_with("ASIA"));
    let sessions = world.gate.requests_for("GetSessionToken");
    assert_eq!(sessions.len(), 1);
    // The gate checked the code against the seed it knows, independently of otpilot.
    assert!(sessions[0].forwarded(), "{:?}", sessions[0].outcome);
    assert_eq!(
        sessions[0].param("SerialNumber"),
        Some(world.serial.as_str())
    );
    assert_seeds_nowhere(&world.env, std::slice::from_ref(&world.seed));
}

#[test]
fn a_pin_is_asked_checked_and_its_lockout_reported() {
    let tpm = Swtpm::start();
    let env = env_on(&tpm);
    let seed = random_seed(20);
    let pin = "4711-open";

    let screen = add_with_pin(&env, "pinned", &seed, pin, &[]);
    assert!(!screen.contains(pin), "the PIN was echoed");
    assert_eq!(device_row(&env, "pinned")["tpm_pin"], true);
    // With a PIN the key is under the dictionary-attack protection (no `noda`).
    let printed = printed_public(&env, "pinned");
    assert!(
        printed.contains("value: fixedtpm|fixedparent|userwithauth|sign"),
        "{printed}"
    );
    let list = env.ok(&["device", "list"], None);
    assert!(list.contains("tpm+PIN"), "{list}");

    let code_with = |typed: &str| {
        let mut code = Pty::spawn(&env, &["code", "pinned", "--at", "1800000000"]);
        code.expect("TPM PIN of `pinned`");
        code.type_line(typed);
        code.finish()
    };
    let (status, screen) = code_with(pin);
    assert_eq!(status, 0, "{screen}");
    assert!(
        screen.contains(&oathtool(&seed, "SHA1", 6, 30, 1_800_000_000)),
        "{screen}"
    );

    // No terminal and no tray: one line saying so, no code.
    run_detached(env.command(["code", "pinned"]), None)
        .assert_one_line_error("needs its TPM PIN, and there is no terminal or tray");

    // Wrong PINs count down to the TPM's dictionary-attack lockout.
    let (status, screen) = code_with("0000-wrong");
    assert_ne!(status, 0);
    assert!(screen.contains("wrong TPM PIN for `pinned`"), "{screen}");
    let mut locked = false;
    for _ in 0..40 {
        let (status, screen) = code_with("0000-wrong");
        assert_ne!(status, 0);
        if screen.contains("dictionary-attack lockout") {
            locked = true;
            break;
        }
        assert!(screen.contains("more wrong PINs"), "{screen}");
    }
    assert!(locked, "the TPM never locked");
    // Locked out, even the right PIN is refused, and the message says why.
    let (status, screen) = code_with(pin);
    assert_ne!(status, 0);
    assert!(screen.contains("dictionary-attack lockout"), "{screen}");
    assert!(
        screen.contains("tpm2_dictionarylockout --clear-lockout"),
        "{screen}"
    );

    // A device without a PIN is not subject to the lockout.
    env.ok(&["device", "add", "open", "--tpm"], Some(&seed));
    assert_eq!(
        env.ok(&["code", "open", "--at", "1800000000"], None).trim(),
        oathtool(&seed, "SHA1", 6, 30, 1_800_000_000)
    );
}

#[test]
fn without_a_tpm_nothing_changes_and_keyring_devices_keep_working() {
    let mut env = TestEnv::new();
    let seed = random_seed(20);
    env.ok(&["device", "add", "plain"], Some(&seed));
    let devices_file = env.config_dir().join("devices.toml");
    let before = std::fs::read(&devices_file).unwrap();

    // Nothing listens there (a port that was free a moment ago).
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    for (tcti, expected) in [
        (
            format!("swtpm:host=127.0.0.1,port={closed}"),
            "no TPM answers at swtpm:",
        ),
        (
            "device:/nonexistent/tpmrm0".to_owned(),
            "no TPM answers at device:/nonexistent/tpmrm0",
        ),
        (
            "tabrmd:bus_type=session".to_owned(),
            "OTPILOT_TPM_TCTI is not usable",
        ),
    ] {
        env.set_env("OTPILOT_TPM_TCTI", &tcti);
        env.run(&["device", "add", "sealed", "--tpm"], Some(&seed))
            .assert_one_line_error(expected);
        env.run(&["device", "protect", "plain"], None)
            .assert_one_line_error(expected);
        assert_eq!(std::fs::read(&devices_file).unwrap(), before, "{tcti}");
        assert_eq!(
            env.secret_tool_lookup("plain").as_deref(),
            Some(seed.as_str()),
            "the keyring seed stays after a failed protect"
        );
    }
    assert_eq!(
        env.ok(&["code", "plain", "--at", "1800000000"], None)
            .trim(),
        oathtool(&seed, "SHA1", 6, 30, 1_800_000_000)
    );
    let doctor = env.run(&["doctor"], None);
    assert!(
        (doctor.stdout() + &doctor.stderr()).contains("no usable TPM"),
        "{}",
        doctor.stdout()
    );
}

#[test]
fn a_sealed_seed_cannot_be_shown_as_a_qr_code_and_protect_is_once() {
    let tpm = Swtpm::start();
    let env = env_on(&tpm);
    let seed = random_seed(20);
    env.ok(&["device", "add", "s", "--tpm"], Some(&seed));
    env.run(&["device", "qr", "s", "--yes"], None)
        .assert_one_line_error("sealed in the TPM and cannot be read out");
    env.run(&["device", "protect", "s"], None)
        .assert_one_line_error("sealed in the TPM already");
}

#[test]
fn a_caller_without_a_terminal_types_the_pin_into_the_tray() {
    use crate::harness::keyring::Keyring;
    use crate::harness::tray::{desktop, serial, Dialog, TrayMenu, TrayProcess};
    use std::time::Duration;

    let _one = serial();
    let tpm = Swtpm::start();
    let (session, mut env) = desktop(Keyring::Unlocked);
    env.set_env("OTPILOT_TPM_TCTI", &tpm.tcti());
    let w = AwsWorld::without_stored_device(env);
    let pin = "2468-tray";
    add_with_pin(&w.env, "alice", &w.seed, pin, &["--serial", &w.serial]);
    w.standard_profiles();
    let tray = TrayProcess::start(&w.env, &w.aws_envs());
    // The menu marks the sealed device (as dbusmenu, the tray host's view, lists it).
    let labels = TrayMenu::find(session.address(), tray.pid()).labels();
    assert!(
        labels.iter().any(|l| l == "Copy code: alice  [TPM, PIN]"),
        "{labels:?}"
    );

    // An IDE or Terraform: no terminal, no keyring of its own; the tray's agent answers and
    // asks for the PIN in its dialog.
    let caller = w
        .otpilot(&["credential-process", "admin"])
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let dialog = Dialog::wait("TPM PIN of alice", Duration::from_secs(30))
        .expect("a PIN dialog from the tray");
    assert_eq!(dialog.title, "Otpilot: TPM PIN of alice");
    dialog.type_text(pin);
    dialog.press("Return");
    dialog.wait_gone();
    let out = caller.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sessions = w.gate.requests_for("GetSessionToken");
    assert_eq!(sessions.len(), 1);
    assert!(sessions[0].forwarded(), "{:?}", sessions[0].outcome);
}

#[test]
fn with_the_vault_a_pin_the_agent_cannot_ask_for_is_asked_on_the_callers_terminal() {
    let tpm = Swtpm::start();
    let mut env = TestEnv::without_desktop();
    env.set_env("OTPILOT_TPM_TCTI", &tpm.tcti());
    let mut world = AwsWorld::without_stored_device(env);
    for (k, v) in world.aws_envs() {
        world.env.set_env(&k, &v);
    }
    let passphrase = "a passphrase for the tpm test\n";
    run_detached(
        world.env.command(["vault", "init", "--passphrase-stdin"]),
        Some(passphrase),
    )
    .assert_ok();
    run_detached(
        world.env.command(["unlock", "--passphrase-stdin"]),
        Some(passphrase),
    )
    .assert_ok();
    let pin = "1357-vault";
    add_with_pin(
        &world.env,
        "alice",
        &world.seed,
        pin,
        &["--serial", &world.serial],
    );
    assert_eq!(device_row(&world.env, "alice")["location"], "tpm");
    world.standard_profiles();

    // No terminal: the headless agent has nobody to ask, and says so in one line.
    run_detached(world.env.command(["credential-process", "admin"]), None)
        .assert_one_line_error("needs its TPM PIN");
    assert_eq!(world.gate.count("GetSessionToken"), 0);

    // A terminal: the caller asks there and does the work itself.
    let mut pty = Pty::spawn(&world.env, &["credential-process", "admin"]);
    pty.expect("TPM PIN of `alice`");
    pty.type_line(pin);
    let (status, screen) = pty.finish();
    assert_eq!(status, 0, "{screen}");
    assert!(screen.contains("\"AccessKeyId\""), "{screen}");
    let sessions = world.gate.requests_for("GetSessionToken");
    assert_eq!(sessions.len(), 1);
    assert!(sessions[0].forwarded(), "{:?}", sessions[0].outcome);
    crate::vault::stop_agent(&world, libc::SIGTERM);
}

#[test]
fn no_permission_on_the_tpm_device_says_to_join_the_tss_group() {
    use std::os::unix::fs::PermissionsExt;
    // A TPM device node this user may not open, as /dev/tpmrm0 is for users outside the
    // `tss` group. Root opens anything, so as root the check runs as `nobody`, with a copy of
    // the binary that `nobody` can reach.
    let env = TestEnv::new();
    let root = env.root.path();
    std::fs::set_permissions(root, std::fs::Permissions::from_mode(0o755)).unwrap();
    let home = root.join("user");
    std::fs::create_dir_all(&home).unwrap();
    let device = root.join("tpmrm0");
    std::fs::write(&device, b"").unwrap();
    std::fs::set_permissions(&device, std::fs::Permissions::from_mode(0o000)).unwrap();
    let binary = root.join("otpilot");
    std::fs::copy(crate::harness::otpilot_bin(), &binary).unwrap();
    std::fs::set_permissions(&binary, std::fs::Permissions::from_mode(0o755)).unwrap();
    let as_root = unsafe { libc::geteuid() } == 0;
    let mut cmd = if as_root {
        let nobody = 65534;
        std::os::unix::fs::chown(&home, Some(nobody), Some(nobody)).unwrap();
        let mut cmd = Command::new("setpriv");
        cmd.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
            .arg(&binary);
        cmd
    } else {
        Command::new(&binary)
    };
    let out = cmd
        .arg("doctor")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", &home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env("TMPDIR", &home)
        .env("OTPILOT_TPM_TCTI", format!("device:{}", device.display()))
        .output()
        .expect("setpriv (util-linux)");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    let line = text
        .lines()
        .find(|l| l.contains("tpm:"))
        .unwrap_or_default();
    assert!(
        line.contains(&format!(
            "no permission to use the TPM at {}",
            device.display()
        )) && line.contains("`tss` group"),
        "{text}"
    );
}

#[test]
fn an_import_recognises_sealed_seeds_and_can_seal_what_it_adds() {
    let tpm = Swtpm::start();
    let env = env_on(&tpm);
    let (sealed, pinned, new) = (random_seed(20), random_seed(20), random_seed(20));
    let uri = |issuer: &str, account: &str, seed: &str| {
        format!("otpauth://totp/{issuer}:{account}?secret={seed}&issuer={issuer}")
    };
    env.ok(&["device", "add", "sealed", "--tpm"], Some(&sealed));
    add_with_pin(
        &env,
        "pinned",
        &uri("Acme", "bob", &pinned),
        "9753-pin",
        &[],
    );
    let list = env.root.path().join("export.txt");
    std::fs::write(
        &list,
        [
            uri("GitHub", "alice", &sealed),
            uri("Acme", "bob", &pinned),
            uri("Fresh", "carol", &new),
        ]
        .join("\n"),
    )
    .unwrap();
    let run = env.run(&["device", "import", list.to_str().unwrap(), "--tpm"], None);
    run.assert_ok();
    let said = run.stderr();
    // The sealed seed is recognised by the codes the TPM makes, and does not come back into
    // the keyring; the one whose key has a PIN (no code without it) by issuer and account.
    assert!(
        said.contains("skipped `GitHub: alice`: its seed is already sealed in the TPM as `sealed`"),
        "{said}"
    );
    assert!(
        said.contains(
            "skipped `Acme: bob`: `pinned`, sealed in the TPM, has the same issuer and account"
        ),
        "{said}"
    );
    assert!(said.contains("added `Fresh-carol`"), "{said}");
    assert_eq!(env.devices().len(), 3);
    assert_eq!(device_row(&env, "Fresh-carol")["location"], "tpm");
    assert_eq!(
        env.ok(&["code", "Fresh-carol", "--at", "1800000000"], None)
            .trim(),
        oathtool(&new, "SHA1", 6, 30, 1_800_000_000)
    );
    // The export holds every seed, as any export does; once it is deleted, nothing does.
    std::fs::remove_file(&list).unwrap();
    assert_seeds_nowhere(&env, &[sealed, pinned, new]);
}

#[test]
fn neither_the_seed_nor_the_pin_crosses_the_link_to_the_tpm_in_the_clear() {
    use crate::harness::tpm::Wiretap;
    let tpm = Swtpm::start();
    let tap = Wiretap::on(&tpm);
    let mut env = TestEnv::new();
    env.set_env("OTPILOT_TPM_TCTI", &tap.tcti());
    let (seed, pinned_seed) = (random_seed(20), random_seed(20));
    let pin = "8642-on-the-wire";
    env.ok(&["device", "add", "open", "--tpm"], Some(&seed));
    add_with_pin(&env, "pinned", &pinned_seed, pin, &[]);
    let t = 1_800_000_000u64;
    let code = env.ok(&["code", "open", "--at", &t.to_string()], None);
    assert_eq!(code.trim(), oathtool(&seed, "SHA1", 6, 30, t));
    let mut run = Pty::spawn(&env, &["code", "pinned", "--at", &t.to_string()]);
    run.expect("TPM PIN of `pinned`");
    run.type_line(pin);
    let (status, screen) = run.finish();
    assert_eq!(status, 0, "{screen}");
    assert!(
        screen.contains(&oathtool(&pinned_seed, "SHA1", 6, 30, t)),
        "{screen}"
    );

    let seen = tap.seen();
    let contains = |needle: &[u8]| seen.windows(needle.len()).any(|w| w == needle);
    // The capture works: the time step's counter (not secret) crosses in the clear.
    assert!(
        contains(&(t / 30).to_be_bytes()),
        "the wiretap saw nothing useful"
    );
    for s in [&seed, &pinned_seed] {
        for needle in encodings(s) {
            assert!(!contains(&needle), "a seed crossed the link in the clear");
        }
    }
    assert!(
        !contains(pin.as_bytes()),
        "the PIN crossed the link in the clear"
    );
}

/// Adds `name` sealed with `pin`, typed on a terminal as a person would; returns what the
/// terminal showed.
pub(crate) fn add_with_pin(
    env: &TestEnv,
    name: &str,
    seed: &str,
    pin: &str,
    extra: &[&str],
) -> String {
    let mut args = vec!["device", "add", name, "--tpm", "--tpm-pin"];
    args.extend_from_slice(extra);
    let mut add = Pty::spawn(env, &args);
    add.expect("Paste the base32 seed");
    add.type_line(seed);
    add.expect("New TPM PIN");
    add.type_line(pin);
    add.expect("The same PIN again");
    add.type_line(pin);
    let (status, screen) = add.finish();
    assert_eq!(status, 0, "{screen}");
    screen
}
