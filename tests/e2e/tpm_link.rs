//! An active man-in-the-middle on the link to the TPM: a stand-in that relays every command
//! to a real (software) TPM but answers with a storage key of its own, so that a client
//! taking its answers on trust would salt its session, and so encrypt the seed and key the
//! PIN's HMACs, with a key the stand-in owns. Otpilot refuses it before anything secret is
//! sent, when sealing a new seed and when making a code with a sealed one. (The passive
//! wiretap is in tpm.rs.)

use crate::harness::pty::Pty;
use crate::harness::tpm::{FakeTpm, Forge, Swtpm, CC_CREATE, CC_HMAC, CC_START_AUTH_SESSION};
use crate::harness::{random_seed, run_tool, TestEnv};
use crate::tpm::{add_with_pin, oathtool};

const NOT_ITS_NAME: &str = "the TPM answered with a storage key that does not match the Name it gave for it: something between Otpilot and the TPM altered its answer, so nothing secret was sent to it";
const ANOTHER_KEY: &str = "the TPM answered with another storage key than the one this machine's sealed devices were made under, so the seed of `desk` was not sent to it";

/// The stand-in forged a key, and was never sent the command that carries the seed, nor
/// anything in a session salted with its key (where the PIN keys the HMACs).
fn assert_nothing_secret_sent(fake: &FakeTpm) {
    let commands = fake.commands();
    assert!(
        fake.forged() > 0,
        "the stand-in forged nothing: the test would prove nothing ({commands:x?})"
    );
    for (code, what) in [
        (CC_CREATE, "TPM2_Create, which carries the seed"),
        (CC_START_AUTH_SESSION, "a session salted with its own key"),
        (CC_HMAC, "TPM2_HMAC, authorized with the PIN"),
    ] {
        assert!(
            !commands.contains(&code),
            "the stand-in was sent {what}: {commands:x?}"
        );
    }
}

#[test]
fn a_stand_in_for_the_tpm_with_its_own_storage_key_learns_neither_seed_nor_pin() {
    // With the SRK made from the TCG template each time, and with a persistent one (as
    // tpm2-tools makes it) at 0x81000001.
    for persistent_srk in [false, true] {
        let tpm = Swtpm::start();
        let mut env = TestEnv::new();
        env.set_env("OTPILOT_TPM_TCTI", &tpm.tcti());
        if persistent_srk {
            let ctx = env.root.path().join("srk.ctx");
            let ctx = ctx.to_str().unwrap();
            run_tool(
                tpm.tool("tpm2_createprimary")
                    .args(["-C", "o", "-g", "sha256", "-G", "ecc", "-c", ctx]),
            );
            run_tool(
                tpm.tool("tpm2_evictcontrol")
                    .args(["-C", "o", "-c", ctx, "0x81000001"]),
            );
            run_tool(tpm.tool("tpm2_flushcontext").arg("-t"));
        }
        let (seed, pinned_seed) = (random_seed(20), random_seed(20));
        let pin = "8642-at-the-relay";
        env.ok(&["device", "add", "laptop", "--tpm"], Some(&seed));
        add_with_pin(&env, "pinned", &pinned_seed, pin, &[]);
        if persistent_srk {
            // Sealed under the persistent SRK, whose Name tpm2-tools (an independent
            // client) reads as Otpilot recorded it.
            let names = env.root.path().join("srk.name");
            run_tool(tpm.tool("tpm2_readpublic").args([
                "-c",
                "0x81000001",
                "-n",
                names.to_str().unwrap(),
            ]));
            let item = env.secret_tool_lookup("laptop").unwrap();
            let key: serde_json::Value = serde_json::from_str(&item).unwrap();
            assert_eq!(
                key["parent"].as_str().unwrap(),
                data_encoding::HEXLOWER.encode(&std::fs::read(names).unwrap())
            );
        }
        let t = 1_800_000_000u64;
        let at = t.to_string();

        for forge in [Forge::Point, Forge::PointAndName] {
            let fake = FakeTpm::on(&tpm, forge);
            env.set_env("OTPILOT_TPM_TCTI", &fake.tcti());
            let (sealing, coding) = match forge {
                Forge::Point => (NOT_ITS_NAME, NOT_ITS_NAME),
                // A key consistent with itself is still not the one the devices recorded.
                Forge::PointAndName => (ANOTHER_KEY, "sealed by another TPM"),
            };
            // A new seed is not sealed under the stand-in's key...
            let line = env
                .run(&["device", "add", "desk", "--tpm"], Some(&random_seed(20)))
                .assert_one_line_error(sealing);
            assert!(
                forge == Forge::Point || line.contains("otpilot device remove NAME"),
                "{line}"
            );
            // ...nor a sealed seed's code made in a session it could read, with a PIN or not.
            env.run(&["code", "laptop", "--at", &at], None)
                .assert_one_line_error(coding);
            let mut run = Pty::spawn(&env, &["code", "pinned", "--at", &at]);
            run.expect("TPM PIN of `pinned`");
            run.type_line(pin);
            let (status, screen) = run.finish();
            assert_ne!(status, 0, "{screen}");
            assert!(screen.contains(coding), "{forge:?}: {screen}");
            assert_nothing_secret_sent(&fake);
            assert!(env.devices().iter().all(|d| d["name"] != "desk"));
        }

        // With nothing in between, the same TPM is trusted again: codes, and a new seal.
        env.set_env("OTPILOT_TPM_TCTI", &tpm.tcti());
        assert_eq!(
            env.ok(&["code", "laptop", "--at", &at], None).trim(),
            oathtool(&seed, "SHA1", 6, 30, t)
        );
        env.ok(&["device", "add", "desk", "--tpm"], Some(&random_seed(20)));
    }
}

#[test]
fn a_first_seal_is_refused_when_the_storage_key_is_not_its_name_s() {
    // Nothing is pinned yet (no sealed device), but the answer must still be one TPM's.
    let tpm = Swtpm::start();
    let fake = FakeTpm::on(&tpm, Forge::Point);
    let mut env = TestEnv::new();
    env.set_env("OTPILOT_TPM_TCTI", &fake.tcti());
    env.run(&["device", "add", "first", "--tpm"], Some(&random_seed(20)))
        .assert_one_line_error(NOT_ITS_NAME);
    assert_nothing_secret_sent(&fake);
    assert!(env.devices().is_empty());
}
