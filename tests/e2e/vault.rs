//! Otpilot with no desktop keyring: no D-Bus address, no bus socket, no XDG_RUNTIME_DIR.
//! The vault (an age file) held open by the headless agent, through a whole day's use:
//! init, unlock, a device, codes (against oathtool), credential_process from a caller with
//! no terminal against the MFA gate, the AWS CLI, lock, a wrong passphrase, a killed agent;
//! and `vault migrate` both ways on a desktop keyring.

use std::process::{Command, Stdio};

use crate::harness::aws::{AwsWorld, ACCOUNT};
use crate::harness::keyring::Keyring;
use crate::harness::tray::desktop;
use crate::harness::{otpilot_bin, run_detached, run_tool, Run, TestEnv};

const PASSPHRASE: &str = "correct horse battery staple";

fn oathtool(seed: &str, t: u64) -> String {
    run_tool(Command::new("oathtool").args(["--totp", "-b", "-N", &format!("@{t}"), seed]))
}

/// Runs otpilot in `world` with no controlling terminal, `stdin` piped in.
fn detached(world: &AwsWorld, args: &[&str], stdin: Option<&str>) -> Run {
    run_detached(world.otpilot(args), stdin)
}

/// The agent's pid, from its own answer.
fn agent_pid(world: &AwsWorld) -> Option<i32> {
    let socket = world.env.runtime_dir().join("agent.sock");
    let status = otpilot_core::agent::client::vault(
        &socket,
        &otpilot_core::agent::vault_ops::VaultOp::VaultStatus,
    )
    .ok()?;
    Some(status.pid as i32)
}

pub(crate) fn stop_agent(world: &AwsWorld, signal: i32) {
    if let Some(pid) = agent_pid(world) {
        unsafe { libc::kill(pid, signal) };
        for _ in 0..100 {
            if agent_pid(world).is_none() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        panic!("the agent did not stop");
    }
}

#[test]
fn a_whole_day_with_no_dbus_at_all() {
    let world = AwsWorld::without_stored_device(TestEnv::without_desktop());
    let envs = world.envs();
    assert!(envs.iter().all(|(k, _)| k != "DBUS_SESSION_BUS_ADDRESS"));
    assert!(envs.iter().all(|(k, _)| k != "XDG_RUNTIME_DIR"));

    // No keyring reachable and no vault yet: the error says how to switch.
    let first = detached(&world, &["device", "add", "x"], Some(&world.seed));
    first.assert_one_line_error("otpilot vault init");

    let init = detached(
        &world,
        &["vault", "init", "--passphrase-stdin"],
        Some(&format!("{PASSPHRASE}\n")),
    );
    init.assert_ok();
    let config = std::fs::read_to_string(world.env.config_dir().join("config.toml")).unwrap();
    assert!(config.contains("store = \"vault\""), "{config}");
    let vault_path = world
        .env
        .root
        .path()
        .join("home/.local/share/otpilot/vault.age");
    let sealed = std::fs::read(&vault_path).unwrap();
    assert!(sealed.starts_with(b"age-encryption.org/v1\n-> scrypt "));

    // Locked: one line that says what to do.
    detached(
        &world,
        &["device", "add", "alice", "--serial", &world.serial],
        Some(&world.seed),
    )
    .assert_one_line_error("otpilot unlock");

    // A wrong passphrase is refused and changes nothing.
    detached(
        &world,
        &["unlock", "--passphrase-stdin"],
        Some("not the passphrase\n"),
    )
    .assert_one_line_error("wrong passphrase");
    assert_eq!(std::fs::read(&vault_path).unwrap(), sealed);
    assert_eq!(
        agent_pid(&world),
        None,
        "an agent that could not unlock is left"
    );
    // No terminal and no --passphrase-stdin: nobody to ask, and no locked agent left behind.
    detached(&world, &["unlock"], None).assert_one_line_error("terminal");
    assert_eq!(
        agent_pid(&world),
        None,
        "an agent was started with nobody to ask"
    );

    let unlocked = detached(
        &world,
        &["unlock", "--passphrase-stdin"],
        Some(&format!("{PASSPHRASE}\n")),
    );
    unlocked.assert_ok();
    assert!(
        unlocked.stderr().contains("unlocked"),
        "{}",
        unlocked.stderr()
    );
    let socket_dir = world.env.runtime_dir();
    {
        use std::os::unix::fs::MetadataExt;
        let meta = std::fs::metadata(&socket_dir).unwrap();
        assert_eq!(meta.mode() & 0o777, 0o700);
        assert_eq!(meta.uid(), unsafe { libc::geteuid() });
    }

    detached(
        &world,
        &["device", "add", "alice", "--serial", &world.serial],
        Some(&world.seed),
    )
    .assert_ok();
    let t = 1_800_000_000;
    let code = detached(&world, &["code", "alice", "--at", &t.to_string()], None);
    code.assert_ok();
    assert_eq!(code.stdout().trim(), oathtool(&world.seed, t));

    // credential_process from a caller with no terminal, against the MFA gate.
    world.standard_profiles();
    let cp = detached(&world, &["credential-process", "admin"], None);
    cp.assert_ok();
    let creds: serde_json::Value = serde_json::from_str(&cp.stdout()).unwrap();
    assert!(creds["AccessKeyId"].as_str().unwrap().starts_with("ASIA"));
    assert_eq!(world.gate.count("GetSessionToken"), 1);

    // `exec` and `export` hand out the same credentials from the vault.
    let exec = detached(
        &world,
        &[
            "exec",
            "admin",
            "--",
            "sh",
            "-c",
            "printf %s \"$AWS_ACCESS_KEY_ID\"",
        ],
        None,
    );
    exec.assert_ok();
    assert_eq!(exec.stdout(), creds["AccessKeyId"].as_str().unwrap());
    let export = detached(&world, &["export", "admin"], None);
    export.assert_ok();
    assert!(
        export
            .stdout()
            .contains(creds["AccessKeyId"].as_str().unwrap()),
        "{}",
        export.stdout()
    );

    // A warm direct call reads no store: with the agent frozen, the kernel keyring's hot
    // copy answers (a read through the agent would time out and fail).
    let pid = agent_pid(&world).expect("the agent answers");
    unsafe { libc::kill(pid, libc::SIGSTOP) };
    let mut direct = world.otpilot(&["credential-process", "admin"]);
    direct.env("OTPILOT_NO_AGENT", "1").stdin(Stdio::null());
    let warm = direct.output().unwrap();
    unsafe { libc::kill(pid, libc::SIGCONT) };
    assert!(
        warm.status.success(),
        "{}",
        String::from_utf8_lossy(&warm.stderr)
    );
    let again: serde_json::Value = serde_json::from_slice(&warm.stdout).unwrap();
    assert_eq!(again["AccessKeyId"], creds["AccessKeyId"]);

    // The AWS CLI through credential_process.
    let bin = otpilot_bin();
    std::fs::write(
        world.config_path(),
        format!(
            "{}\n[profile via-otpilot]\nregion = us-east-1\ncredential_process = {} credential-process admin\n",
            std::fs::read_to_string(world.config_path()).unwrap(),
            bin.display()
        ),
    )
    .unwrap();
    let out = world.aws(&["sts", "get-caller-identity", "--profile", "via-otpilot"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let identity: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        identity["Arn"]
            .as_str()
            .unwrap()
            .contains(&format!("{ACCOUNT}:assumed-role/Admin")),
        "{identity}"
    );

    // The vault file holds no seed, key or token in any encoding.
    let raw_seed = data_encoding::BASE32_NOPAD
        .decode(world.seed.as_bytes())
        .unwrap();
    let secret_key = creds["SecretAccessKey"].as_str().unwrap();
    let token = creds["SessionToken"].as_str().unwrap();
    let sealed = std::fs::read(&vault_path).unwrap();
    for needle in [
        world.seed.as_bytes().to_vec(),
        raw_seed.clone(),
        data_encoding::BASE64.encode(&raw_seed).into_bytes(),
        data_encoding::HEXLOWER.encode(&raw_seed).into_bytes(),
        secret_key.as_bytes().to_vec(),
        token.as_bytes()[..32].to_vec(),
    ] {
        assert!(
            !sealed.windows(needle.len()).any(|w| w == needle.as_slice()),
            "a secret in the vault file"
        );
    }
    world.assert_no_secret_in_files(&[secret_key, token]);

    // `profile forget`: the cached credentials leave the vault and the cache directory.
    let vault_keys = || {
        otpilot_core::agent::client::vault(
            &socket_dir.join("agent.sock"),
            &otpilot_core::agent::vault_ops::VaultOp::VaultKeys,
        )
        .ok()
        .unwrap()
        .keys
    };
    assert!(vault_keys().iter().any(|k| k.starts_with("cache:")));
    let forgot = detached(&world, &["profile", "forget", "admin"], None);
    forgot.assert_ok();
    assert!(
        forgot.stderr().contains(
            "forgot 3 cached credentials of `admin` (2 in the vault, 1 held by the agent)"
        ),
        "{}",
        forgot.stderr()
    );
    assert!(
        !vault_keys().iter().any(|k| k.starts_with("cache:")),
        "{:?}",
        vault_keys()
    );
    let cache_dir = world.env.root.path().join("cache/otpilot/credentials");
    assert_eq!(
        std::fs::read_dir(&cache_dir)
            .map(|d| d.count())
            .unwrap_or(0),
        0
    );
    // The doctor names the store and the agent.
    let doctor: serde_json::Value =
        serde_json::from_str(&detached(&world, &["doctor", "--json"], None).stdout()).unwrap();
    let store = doctor["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["check"] == "store")
        .unwrap();
    assert_eq!(store["status"], "ok", "{store}");
    assert!(
        store["message"]
            .as_str()
            .unwrap()
            .contains("unlocked; the agent answers"),
        "{store}"
    );

    // Killing the agent loses nothing it acknowledged.
    stop_agent(&world, libc::SIGKILL);
    detached(
        &world,
        &["unlock", "--passphrase-stdin"],
        Some(&format!("{PASSPHRASE}\n")),
    )
    .assert_ok();
    let again = detached(&world, &["code", "alice", "--at", &t.to_string()], None);
    again.assert_ok();
    assert_eq!(again.stdout().trim(), oathtool(&world.seed, t));

    // Locked: the next call fails in one line that says `otpilot unlock`, even for the
    // profile whose credentials were cached (the kernel keyring's copy went with the lock).
    detached(&world, &["lock"], None).assert_ok();
    detached(&world, &["code", "alice"], None).assert_one_line_error("otpilot unlock");
    detached(&world, &["credential-process", "admin"], None)
        .assert_one_line_error("otpilot unlock");

    // The idle lock: after `vault_idle_lock_seconds` without use, the agent locks itself.
    let config = world.env.config_dir().join("config.toml");
    let text: String = std::fs::read_to_string(&config)
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with("vault_idle_lock_seconds"))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&config, format!("{text}vault_idle_lock_seconds = 1\n")).unwrap();
    detached(
        &world,
        &["unlock", "--passphrase-stdin"],
        Some(&format!("{PASSPHRASE}\n")),
    )
    .assert_ok();
    detached(&world, &["code", "alice"], None).assert_ok();
    let mut locked = false;
    for _ in 0..50 {
        std::thread::sleep(std::time::Duration::from_millis(200));
        let socket = socket_dir.join("agent.sock");
        let status = otpilot_core::agent::client::vault(
            &socket,
            &otpilot_core::agent::vault_ops::VaultOp::VaultStatus,
        )
        .ok()
        .unwrap();
        if !status.unlocked {
            locked = true;
            break;
        }
    }
    assert!(locked, "the agent never locked the idle vault");
    detached(&world, &["code", "alice"], None).assert_one_line_error("otpilot unlock");
    stop_agent(&world, libc::SIGTERM);
}

#[test]
fn migrate_moves_everything_both_ways() {
    let (_session, env) = desktop(Keyring::Unlocked);
    let world = AwsWorld::on(env);
    world.standard_profiles();
    world.ok(&["keys", "import", "base"]);
    world.credential_process("admin");
    let before = keyring_items(&world);
    assert!(before.iter().any(|k| k.starts_with("totp:")), "{before:?}");
    assert!(before.iter().any(|k| k.starts_with("cache:")), "{before:?}");
    assert!(before.iter().any(|k| k == "keys:base"), "{before:?}");

    detached(
        &world,
        &["vault", "init", "--passphrase-stdin"],
        Some(&format!("{PASSPHRASE}\n")),
    )
    .assert_ok();
    detached(
        &world,
        &["unlock", "--passphrase-stdin"],
        Some(&format!("{PASSPHRASE}\n")),
    )
    .assert_ok();
    let moved = world.run(&["vault", "migrate", "--to", "vault"]);
    moved.assert_ok();
    assert!(
        moved
            .stderr()
            .contains(&format!("moved {} items into the vault", before.len())),
        "{}",
        moved.stderr()
    );
    assert!(
        keyring_items(&world).is_empty(),
        "{:?}",
        keyring_items(&world)
    );
    let t = 1_900_000_000;
    assert_eq!(
        world.ok(&["code", "alice", "--at", &t.to_string()]).trim(),
        oathtool(&world.seed, t)
    );
    // Every item is in the vault now, the long-term keys among them.
    assert_eq!(vault_items(&world), before);
    world.credential_process("admin");

    let back = world.run(&["vault", "migrate", "--to", "keyring"]);
    back.assert_ok();
    assert_eq!(keyring_items(&world), before);
    assert_eq!(
        world.ok(&["code", "alice", "--at", &t.to_string()]).trim(),
        oathtool(&world.seed, t)
    );
    world.run(&["lock"]).assert_ok();
    if let Some(pid) = agent_pid_of(&world) {
        unsafe { libc::kill(pid, libc::SIGTERM) };
    }
}

fn agent_pid_of(world: &AwsWorld) -> Option<i32> {
    let socket = world.env.root.path().join("run/otpilot/agent.sock");
    otpilot_core::agent::client::vault(
        &socket,
        &otpilot_core::agent::vault_ops::VaultOp::VaultStatus,
    )
    .ok()
    .map(|s| s.pid as i32)
}

/// The keys of this test's keyring items (service `otpilot`), sorted, read with secret-tool.
pub(crate) fn keyring_items(world: &AwsWorld) -> Vec<String> {
    let out = Command::new("secret-tool")
        .args(["search", "--all", "service", "otpilot"])
        .env_clear()
        .envs(world.env.envs())
        .output()
        .unwrap();
    // secret-tool prints each item's attributes on stderr, its secret on stdout.
    let mut keys: Vec<String> = String::from_utf8_lossy(&out.stderr)
        .lines()
        .chain(String::from_utf8_lossy(&out.stdout).lines())
        .filter(|l| l.starts_with("attribute.username = "))
        .map(|l| l.trim_start_matches("attribute.username = ").to_owned())
        .collect();
    keys.sort();
    keys
}

/// The keys of the items in the vault, sorted, asked of the agent.
fn vault_items(world: &AwsWorld) -> Vec<String> {
    let socket = world.env.root.path().join("run/otpilot/agent.sock");
    let mut keys = otpilot_core::agent::client::vault(
        &socket,
        &otpilot_core::agent::vault_ops::VaultOp::VaultKeys,
    )
    .ok()
    .unwrap()
    .keys;
    keys.sort();
    keys
}

/// `vault migrate` killed (SIGKILL) while it writes, then run again: every item ends in one
/// place, and every seed still makes oathtool's codes.
#[test]
fn a_migration_killed_halfway_loses_nothing_and_a_second_run_finishes() {
    let (_session, env) = desktop(Keyring::Unlocked);
    let world = AwsWorld::on(env);
    let outside = tempfile::tempdir().unwrap();
    let seeds: Vec<String> = (0..24).map(|_| crate::harness::random_seed(20)).collect();
    let list: String = seeds
        .iter()
        .enumerate()
        .map(|(i, seed)| format!("otpauth://totp/Bulk:user{i}?secret={seed}&issuer=Bulk\n"))
        .collect();
    let path = outside.path().join("codes.txt");
    std::fs::write(&path, list).unwrap();
    world.ok(&["device", "import", path.to_str().unwrap()]);
    let before = keyring_items(&world);
    assert_eq!(before.len(), 25, "{before:?}");

    detached(
        &world,
        &["vault", "init", "--passphrase-stdin"],
        Some(&format!("{PASSPHRASE}\n")),
    )
    .assert_ok();
    detached(
        &world,
        &["unlock", "--passphrase-stdin"],
        Some(&format!("{PASSPHRASE}\n")),
    )
    .assert_ok();
    let mut migrating = world
        .otpilot(&["vault", "migrate", "--to", "vault"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Each write re-encrypts the vault (scrypt): a few items in, the migration is mid-way.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while vault_items(&world).len() < 3 {
        assert!(
            std::time::Instant::now() < deadline,
            "the migration never started"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    migrating.kill().unwrap();
    let status = migrating.wait().unwrap();
    assert!(
        !status.success(),
        "the migration finished before it could be stopped"
    );

    // Nothing lost: each item is in the keyring, in the vault, or (killed between the write
    // and the delete) in both; and some are still to move.
    let (in_keyring, in_vault) = (keyring_items(&world), vault_items(&world));
    let mut union: Vec<String> = in_keyring.iter().chain(&in_vault).cloned().collect();
    union.sort();
    union.dedup();
    assert_eq!(union, before);
    assert!(!in_keyring.is_empty() && !in_vault.is_empty());

    detached(&world, &["vault", "migrate", "--to", "vault"], None).assert_ok();
    assert!(keyring_items(&world).is_empty());
    assert_eq!(vault_items(&world), before);
    let t = 1_700_000_030;
    for (i, seed) in seeds.iter().enumerate().step_by(5) {
        let code = detached(
            &world,
            &["code", &format!("Bulk-user{i}"), "--at", &t.to_string()],
            None,
        );
        code.assert_ok();
        assert_eq!(code.stdout().trim(), oathtool(seed, t));
    }
    detached(&world, &["lock"], None).assert_ok();
    if let Some(pid) = agent_pid_of(&world) {
        unsafe { libc::kill(pid, libc::SIGTERM) };
    }
}
