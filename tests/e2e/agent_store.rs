//! The headless agent and the store it serves, as a newcomer meets them: switching stores
//! with the agent running, `profile forget` reaching the agent's memory, a wait for a fresh
//! MFA code told through the agent, and `lock` with or without an agent (issue 24 items 1,
//! 2, 5; issue 25 item 5).

use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::harness::aws::AwsWorld;
use crate::harness::keyring::Keyring;
use crate::harness::pty::Pty;
use crate::harness::tray::desktop;
use crate::harness::{run_detached, spawn_for_process_lifetime, Run, TestEnv};
use crate::vault::keyring_items;
use otpilot_core::agent::client;
use otpilot_core::agent::vault_ops::VaultOp;

const PASSPHRASE: &str = "correct horse battery staple";

fn detached(world: &AwsWorld, args: &[&str], stdin: Option<&str>) -> Run {
    run_detached(world.otpilot(args), stdin)
}

fn unlock(world: &AwsWorld) {
    detached(
        world,
        &["unlock", "--passphrase-stdin"],
        Some(&format!("{PASSPHRASE}\n")),
    )
    .assert_ok();
}

/// The agent socket, where the core puts it for this world's environment.
fn socket(world: &AwsWorld) -> std::path::PathBuf {
    world.env.runtime_dir().join("agent.sock")
}

/// The headless agent's pid, from its own answer; `None` when none answers.
fn agent_pid(world: &AwsWorld) -> Option<i32> {
    client::vault(&socket(world), &VaultOp::VaultStatus)
        .ok()
        .map(|s| s.pid as i32)
}

fn kill_agent(world: &AwsWorld, signal: i32) {
    if let Some(pid) = agent_pid(world) {
        unsafe { libc::kill(pid, signal) };
        for _ in 0..200 {
            if unsafe { libc::kill(pid, 0) } != 0 {
                return;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        panic!("the agent did not stop");
    }
}

/// Stops the world's headless agent when dropped, also when the test fails: an agent left
/// behind would outlive the test run (and hold whatever it inherited).
struct StopAgent<'w>(&'w AwsWorld);

impl Drop for StopAgent<'_> {
    fn drop(&mut self) {
        if let Some(pid) = agent_pid(self.0) {
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
    }
}

/// A no-D-Bus machine with an unlocked vault holding the device, and the standard profiles.
fn vault_world() -> AwsWorld {
    let world = AwsWorld::without_stored_device(TestEnv::without_desktop());
    detached(
        &world,
        &["vault", "init", "--passphrase-stdin"],
        Some(&format!("{PASSPHRASE}\n")),
    )
    .assert_ok();
    unlock(&world);
    detached(
        &world,
        &["device", "add", "alice", "--serial", &world.serial],
        Some(&world.seed),
    )
    .assert_ok();
    world.standard_profiles();
    world
}

fn access_key(run: &Run) -> String {
    run.assert_ok();
    let json: serde_json::Value = serde_json::from_str(&run.stdout()).unwrap();
    json["AccessKeyId"].as_str().unwrap().to_owned()
}

/// `credential-process` with no agent asked (`OTPILOT_NO_AGENT=1`), no terminal.
fn direct(world: &AwsWorld, profile: &str) -> Run {
    let mut cmd = world.otpilot(&["credential-process", profile]);
    cmd.env("OTPILOT_NO_AGENT", "1");
    run_detached(cmd, None)
}

/// Issue 24.1: `vault migrate --to keyring` stops the agent; an agent left serving the vault
/// is reported by `doctor`, ignored by callers whose store is the keyring, and stopped by
/// `otpilot agent --stop`.
#[test]
fn an_agent_serving_another_store_is_stopped_reported_and_ignored() {
    let (_session, env) = desktop(Keyring::Unlocked);
    let world = AwsWorld::on(env);
    let _agent = StopAgent(&world);
    world.standard_profiles();
    world.credential_process("admin");
    detached(
        &world,
        &["vault", "init", "--passphrase-stdin"],
        Some(&format!("{PASSPHRASE}\n")),
    )
    .assert_ok();
    unlock(&world);
    world
        .run(&["vault", "migrate", "--to", "vault"])
        .assert_ok();
    // Through the agent, from the vault.
    world.credential_process("admin");

    let back = world.run(&["vault", "migrate", "--to", "keyring"]);
    back.assert_ok();
    assert!(
        back.stderr().contains("stopped the headless agent"),
        "{}",
        back.stderr()
    );
    assert_eq!(agent_pid(&world), None, "the agent still answers");

    // An agent started again (unlock works on any machine with a vault) serves the vault
    // while the store is the keyring; locked, it would refuse every caller.
    unlock(&world);
    world.run(&["lock"]).assert_ok();
    let cp = detached(&world, &["credential-process", "admin"], None);
    cp.assert_ok();
    assert!(cp.stderr().is_empty(), "{}", cp.stderr());

    let doctor = world.run(&["doctor", "--json"]);
    let doc: serde_json::Value = serde_json::from_str(&doctor.stdout()).unwrap();
    let agent = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["check"] == "agent")
        .unwrap_or_else(|| panic!("no finding about the agent: {doc}"));
    assert_eq!(agent["status"], "warn", "{agent}");
    assert!(
        agent["message"]
            .as_str()
            .unwrap()
            .contains("serves the vault, but Otpilot's store is the keyring"),
        "{agent}"
    );
    assert!(
        agent["fix"]
            .as_str()
            .unwrap()
            .contains("otpilot agent --stop"),
        "{agent}"
    );

    let stopped = world.run(&["agent", "--stop"]);
    stopped.assert_ok();
    assert!(
        stopped.stderr().contains("stopped the headless agent"),
        "{}",
        stopped.stderr()
    );
    assert_eq!(agent_pid(&world), None);
    assert!(!socket(&world).exists());
    let again = world.run(&["agent", "--stop"]);
    again.assert_ok();
    assert_eq!(again.stderr().trim(), "no agent is running");
    let doc: serde_json::Value =
        serde_json::from_str(&world.run(&["doctor", "--json"]).stdout()).unwrap();
    assert!(
        !doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["check"] == "agent"),
        "{doc}"
    );
}

/// Sleeps into the next 30-second step when fewer than `at_least` seconds are left in this
/// one, so two calls a few seconds apart fall in the same step.
fn start_of_a_step(at_least: u64) {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    let left = 30 - now.as_secs() % 30;
    if left < at_least {
        std::thread::sleep(Duration::from_secs(left) + Duration::from_millis(300));
    }
}

/// Issue 24.2 and 24.5: `profile forget` clears the agent's memory too and says what it
/// dropped; the next call needs a fresh code, and the wait for it is told to the caller
/// through the agent.
#[test]
fn forget_reaches_the_agent_and_the_wait_for_a_fresh_code_is_told() {
    let world = vault_world();
    let _agent = StopAgent(&world);
    start_of_a_step(20);
    let first = access_key(&detached(&world, &["credential-process", "admin"], None));
    assert_eq!(world.gate.count("GetSessionToken"), 1);

    let forgot = detached(&world, &["profile", "forget", "admin"], None);
    forgot.assert_ok();
    assert_eq!(
        forgot.stderr().trim(),
        "forgot 3 cached credentials of `admin` (2 in the vault, 1 held by the agent); the next call gets new ones"
    );
    // Nothing left to forget anywhere.
    let twice = detached(&world, &["profile", "forget", "admin"], None);
    twice.assert_ok();
    assert_eq!(twice.stderr().trim(), "nothing was cached for `admin`");

    let after = detached(&world, &["credential-process", "admin"], None);
    let second = access_key(&after);
    assert_ne!(
        second, first,
        "the agent handed out the forgotten credentials"
    );
    assert_eq!(world.gate.count("GetSessionToken"), 2);
    let stderr = after.stderr();
    assert!(
        stderr.starts_with("otpilot: waiting ")
            && stderr.contains("s for a fresh MFA code for")
            && stderr.contains("AWS accepts each code only once"),
        "the wait was silent: {stderr:?}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    kill_agent(&world, libc::SIGTERM);
}

/// Issue 25.5: `lock` drops the kernel keyring's hot copies with no agent running, and a
/// fresh (locked) agent drops the copies a killed one left, so a direct call gets nothing.
#[test]
fn lock_and_a_fresh_agent_drop_the_hot_copies_of_a_killed_agent() {
    let world = vault_world();
    let _agent = StopAgent(&world);
    access_key(&detached(&world, &["credential-process", "admin"], None));
    // The agent dies without locking: its hot copies stay, and serve direct callers.
    kill_agent(&world, libc::SIGKILL);
    access_key(&direct(&world, "admin"));

    let lock = detached(&world, &["lock"], None);
    lock.assert_ok();
    assert_eq!(
        lock.stderr().trim(),
        "no agent is running, so no vault is open; the kernel keyring's copies of cached credentials are dropped"
    );
    direct(&world, "admin").assert_one_line_error("otpilot unlock");

    // Again, then a fresh agent that nobody unlocked.
    unlock(&world);
    access_key(&detached(&world, &["credential-process", "admin"], None));
    kill_agent(&world, libc::SIGKILL);
    access_key(&direct(&world, "admin"));
    let mut agent = world.otpilot(&["agent"]);
    agent
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut child = spawn_for_process_lifetime(agent);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while agent_pid(&world).is_none() {
        assert!(
            std::time::Instant::now() < deadline,
            "the agent never answered"
        );
        std::thread::sleep(Duration::from_millis(25));
    }
    direct(&world, "admin").assert_one_line_error("otpilot unlock");
    detached(&world, &["credential-process", "admin"], None)
        .assert_one_line_error("otpilot unlock");
    let _ = Command::new("kill").arg(child.id().to_string()).status();
    let _ = child.wait();
}

/// Issue 24.3: `vault init` on a machine whose seeds are in the keyring says so (and that
/// the desktop follows); `device list` says where each seed really is; `device add --force`
/// keeps the device's serial.
#[test]
fn vault_init_over_a_keyring_tells_where_seeds_are_and_force_keeps_the_serial() {
    let (_session, env) = desktop(Keyring::Unlocked);
    let world = AwsWorld::on(env);
    let _agent = StopAgent(&world);
    let init = detached(
        &world,
        &["vault", "init", "--passphrase-stdin"],
        Some(&format!("{PASSPHRASE}\n")),
    );
    init.assert_ok();
    let said = init.stderr();
    assert!(said.contains("the desktop's tray included"), "{said}");
    assert!(
        said.contains("the OS keyring holds 1 of Otpilot's items (seeds")
            && said.contains("otpilot vault migrate --to vault"),
        "{said}"
    );
    unlock(&world);
    let row = |name: &str| -> serde_json::Value {
        let list: serde_json::Value =
            serde_json::from_str(&world.ok(&["device", "list", "--json"])).unwrap();
        list.as_array()
            .unwrap()
            .iter()
            .find(|d| d["name"] == name)
            .cloned()
            .unwrap()
    };
    assert_eq!(row("alice")["location"], "keyring", "{}", row("alice"));
    let table = world.run(&["device", "list"]);
    table.assert_ok();
    assert!(table.stdout().contains("keyring*"), "{}", table.stdout());
    assert!(
        table
            .stderr()
            .contains("* in the keyring, not in Otpilot's store (the vault): move it with `otpilot vault migrate --to vault`"),
        "{}",
        table.stderr()
    );

    // The error names the store that was searched, and its advice keeps the serial.
    detached(&world, &["code", "alice"], None).assert_one_line_error(
        "no TOTP seed stored for device `alice` in the vault; add it again with `otpilot device add alice --force` (its serial and settings are kept)",
    );

    // The advice for a missing seed, followed: the serial stays.
    let readd = detached(
        &world,
        &["device", "add", "alice", "--force"],
        Some(&world.seed),
    );
    readd.assert_ok();
    assert_eq!(row("alice")["serial"], world.serial.as_str());
    assert_eq!(row("alice")["location"], "vault");
    world.run(&["lock"]).assert_ok();
    world.run(&["agent", "--stop"]);
    kill_agent(&world, libc::SIGTERM);
}

/// Types the new vault passphrase twice at `vault init`'s prompts.
fn type_new_passphrase(pty: &mut Pty) {
    pty.expect("New vault passphrase: ");
    pty.type_line(PASSPHRASE);
    pty.expect("The same passphrase again: ");
    pty.type_line(PASSPHRASE);
}

/// What `vault init` asks when the keyring holds the world's one seed.
const OFFER: &str = "the OS keyring holds 1 of Otpilot's items (seeds, access keys, cached credentials) that the vault does not have. Move them into the vault now? [y/N] ";
/// What it prints instead, or after a no.
const COMMAND: &str = "the OS keyring holds 1 of Otpilot's items (seeds, access keys, cached credentials) that the vault does not have; move them with `otpilot unlock && otpilot vault migrate --to vault`";

/// Issue 24.3: `vault init` on a terminal, on a machine whose seed is in the keyring, offers
/// to move it; yes opens the vault and moves the seed, and the device works from the vault.
#[test]
fn vault_init_on_a_terminal_offers_the_migration_and_yes_runs_it() {
    let (_session, env) = desktop(Keyring::Unlocked);
    let mut world = AwsWorld::on(env);
    // The agent `vault init` starts answers callers with the environment it was started in:
    // the terminal's, here with the world's STS.
    for (name, value) in world.aws_envs() {
        world.env.set_env(&name, &value);
    }
    let world = world;
    let _agent = StopAgent(&world);
    world.standard_profiles();
    let seed_key = keyring_items(&world);
    assert_eq!(seed_key.len(), 1, "{seed_key:?}");

    let mut pty = Pty::spawn(&world.env, &["vault", "init"]);
    type_new_passphrase(&mut pty);
    pty.expect(OFFER);
    pty.type_line("y");
    let (code, screen) = pty.finish();
    assert_eq!(code, 0, "{screen}");
    assert!(
        screen.contains("unlocked; the agent locks the vault after")
            && screen.contains(
                "moved 1 items into the vault (0 were there already) and made it Otpilot's store"
            ),
        "{screen}"
    );
    assert!(!screen.contains("move them with"), "{screen}");

    // The seed is in the vault only, the vault is open, and the device's codes pass the gate.
    assert!(
        keyring_items(&world).is_empty(),
        "{:?}",
        keyring_items(&world)
    );
    let status = client::vault(&socket(&world), &VaultOp::VaultStatus).unwrap();
    assert!(status.unlocked);
    let keys = client::vault(&socket(&world), &VaultOp::VaultKeys)
        .unwrap()
        .keys;
    assert_eq!(keys, seed_key);
    let list: serde_json::Value =
        serde_json::from_str(&world.ok(&["device", "list", "--json"])).unwrap();
    assert_eq!(list[0]["location"], "vault", "{list}");
    assert_eq!(list[0]["serial"], world.serial.as_str(), "{list}");
    let cp = detached(&world, &["credential-process", "admin"], None);
    access_key(&cp);
    assert_eq!(world.gate.count("GetSessionToken"), 1);
    world.run(&["agent", "--stop"]).assert_ok();
}

/// Issue 24.3: a no at the offer, or no terminal at all (`setsid`: nobody to ask), moves
/// nothing and prints the command that would.
#[test]
fn vault_init_moves_nothing_on_a_no_or_without_a_terminal_and_prints_the_command() {
    for on_terminal in [true, false] {
        let (_session, env) = desktop(Keyring::Unlocked);
        let world = AwsWorld::on(env);
        let _agent = StopAgent(&world);
        let before = keyring_items(&world);
        let screen = if on_terminal {
            let mut pty = Pty::spawn(&world.env, &["vault", "init"]);
            type_new_passphrase(&mut pty);
            pty.expect(OFFER);
            pty.type_line("n");
            let (code, screen) = pty.finish();
            assert_eq!(code, 0, "{screen}");
            screen
        } else {
            let pty = Pty::spawn_script(
                &world.env,
                &format!(
                    r#"printf '%s\n' '{PASSPHRASE}' | setsid -w "$OTPILOT" vault init --passphrase-stdin; echo "status=$?""#
                ),
            );
            let (_, screen) = pty.finish();
            assert!(screen.contains("status=0"), "{screen}");
            assert!(
                !screen.contains("[y/N]"),
                "asked with no terminal:\n{screen}"
            );
            screen
        };
        assert!(screen.contains(COMMAND), "{screen}");
        assert!(!screen.contains("moved "), "{screen}");
        // Nothing moved, no agent started; the vault is the store and says where the seed is.
        assert_eq!(keyring_items(&world), before);
        assert_eq!(agent_pid(&world), None);
        let config = std::fs::read_to_string(world.env.config_dir().join("config.toml")).unwrap();
        assert!(config.contains("store = \"vault\""), "{config}");
    }
}

/// `vault init` after the vault file was removed while an agent still held it open: that
/// agent (with the old vault's items and passphrase) is stopped first, so it cannot write
/// the old vault over the new one, and `unlock` opens the new vault.
#[test]
fn vault_init_stops_an_agent_that_holds_a_removed_vault() {
    let world = vault_world();
    let _agent = StopAgent(&world);
    let old_pid = agent_pid(&world).expect("the agent of the first vault");
    let vault = world
        .env
        .root
        .path()
        .join("home/.local/share/otpilot/vault.age");
    std::fs::remove_file(&vault).unwrap();

    let new_passphrase = "a new and different passphrase";
    let init = detached(
        &world,
        &["vault", "init", "--passphrase-stdin"],
        Some(&format!("{new_passphrase}\n")),
    );
    init.assert_ok();
    assert!(
        init.stderr().contains(&format!(
            "stopped the headless agent (pid {old_pid}): it held a vault that is no longer there"
        )),
        "{}",
        init.stderr()
    );
    assert_eq!(agent_pid(&world), None);
    let unlocked = detached(
        &world,
        &["unlock", "--passphrase-stdin"],
        Some(&format!("{new_passphrase}\n")),
    );
    unlocked.assert_ok();
    assert!(
        unlocked.stderr().starts_with("unlocked"),
        "{}",
        unlocked.stderr()
    );
    // The new vault is empty: the old one's seed did not come back into it.
    let keys = client::vault(&socket(&world), &VaultOp::VaultKeys)
        .unwrap()
        .keys;
    assert!(keys.is_empty(), "{keys:?}");
    world.run(&["agent", "--stop"]).assert_ok();
}
