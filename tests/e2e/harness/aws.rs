//! An AWS world for one test: a TestEnv with AWS config files, a stored MFA device whose seed
//! the gate knows, and the MFA gate in front of the shared moto server.

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use super::gate::Gate;
use super::moto::{venv, Moto};
use super::{random_seed, Run, TestEnv};

pub const ACCOUNT: &str = "123456789012";
// Not moto's fixed GetSessionToken key id, so tests can tell which credentials signed a call.
pub const BASE_KEY_ID: &str = "AKIABASEKEYEXAMPLE01";
pub const BASE_SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

pub struct AwsWorld {
    pub env: TestEnv,
    pub gate: Gate,
    pub serial: String,
    pub seed: String,
    /// The moto behind the gate: the shared one, or a test's own.
    pub moto: &'static Moto,
}

impl AwsWorld {
    /// A world with a device `alice` (stored in otpilot, known to the gate) and no profiles.
    pub fn new() -> Self {
        Self::on(TestEnv::new())
    }

    /// The same world in a given environment (a tray test's own desktop session).
    pub fn on(env: TestEnv) -> Self {
        let world = Self::without_stored_device(env);
        world
            .env
            .add_device("alice", &world.seed, &["--serial", &world.serial]);
        world
    }

    /// A world whose device exists at AWS (the gate knows its seed) but is not in Otpilot
    /// yet: the person has it in an authenticator app, or its seed on paper.
    pub fn without_stored_device(env: TestEnv) -> Self {
        Self::behind(env, Moto::shared())
    }

    /// A world (device `alice` stored) in front of a moto of its own, whose IAM no other
    /// test changes: for account-wide reports.
    pub fn with_own_moto(env: TestEnv) -> Self {
        let moto: &'static Moto = Box::leak(Box::new(Moto::private()));
        let world = Self::behind(env, moto);
        world
            .env
            .add_device("alice", &world.seed, &["--serial", &world.serial]);
        world
    }

    /// A world (device `alice` stored) in front of the given moto.
    pub fn with_moto(env: TestEnv, moto: &'static Moto) -> Self {
        let world = Self::behind(env, moto);
        world
            .env
            .add_device("alice", &world.seed, &["--serial", &world.serial]);
        world
    }

    fn behind(env: TestEnv, moto: &'static Moto) -> Self {
        let gate = Gate::start(&moto.endpoint);
        let serial = format!("arn:aws:iam::{ACCOUNT}:mfa/alice-{}", rand::random::<u32>());
        let seed = random_seed(20);
        gate.register_device(&serial, &seed);
        std::fs::create_dir_all(env.root.path().join("home/.aws")).unwrap();
        Self {
            env,
            gate,
            serial,
            seed,
            moto,
        }
    }

    pub fn config_path(&self) -> PathBuf {
        self.env.root.path().join("home/.aws/config")
    }

    pub fn credentials_path(&self) -> PathBuf {
        self.env.root.path().join("home/.aws/credentials")
    }

    /// The texts of the AWS config's backups (`config.otpilot-backup-*`), oldest first.
    pub fn config_backups(&self) -> Vec<String> {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(self.config_path().parent().unwrap())
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| {
                p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with("config.otpilot-backup-"))
            })
            .collect();
        paths.sort();
        paths
            .iter()
            .map(|p| std::fs::read_to_string(p).unwrap())
            .collect()
    }

    /// Writes ~/.aws/config; `{serial}` in the text becomes the device's serial.
    pub fn write_config(&self, text: &str) {
        std::fs::write(self.config_path(), text.replace("{serial}", &self.serial)).unwrap();
    }

    /// Writes ~/.aws/credentials with the base profile's long-term keys.
    pub fn write_base_credentials(&self) {
        std::fs::write(
            self.credentials_path(),
            format!("[base]\naws_access_key_id = {BASE_KEY_ID}\naws_secret_access_key = {BASE_SECRET}\n"),
        )
        .unwrap();
    }

    /// A fresh IAM user in moto with an access key, written to ~/.aws/credentials as
    /// profile `base`. moto maps the key back to the user, so GetUser without a name works
    /// as at AWS. Returns the user name.
    pub fn iam_user(&self) -> String {
        let moto = self.moto;
        let user = format!("u{}", rand::random::<u32>());
        moto.aws(&["iam", "create-user", "--user-name", &user]);
        let key: serde_json::Value =
            serde_json::from_str(&moto.aws(&["iam", "create-access-key", "--user-name", &user]))
                .unwrap();
        let key = &key["AccessKey"];
        std::fs::write(
            self.credentials_path(),
            format!(
                "[base]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
                key["AccessKeyId"].as_str().unwrap(),
                key["SecretAccessKey"].as_str().unwrap()
            ),
        )
        .unwrap();
        user
    }

    /// The usual setup: `base` holds keys and the MFA serial; `admin` and `readonly` are roles.
    pub fn standard_profiles(&self) {
        self.write_config(&format!(
            "[profile base]\nregion = us-east-1\nmfa_serial = {{serial}}\n\n\
             [profile admin]\nregion = us-east-1\nrole_arn = arn:aws:iam::{ACCOUNT}:role/Admin\nsource_profile = base\nmfa_serial = {{serial}}\n\n\
             [profile readonly]\nregion = us-east-1\nrole_arn = arn:aws:iam::{ACCOUNT}:role/ReadOnly\nsource_profile = base\nmfa_serial = {{serial}}\n"
        ));
        self.write_base_credentials();
    }

    /// Only the AWS settings of [`Self::envs`], for a process started with the desktop's
    /// environment (the tray).
    pub fn aws_envs(&self) -> Vec<(String, String)> {
        self.envs()
            .into_iter()
            .filter(|(k, _)| k.starts_with("AWS_"))
            .collect()
    }

    /// Environment for otpilot and for AWS clients: the test's HOME and keyring, AWS files,
    /// STS through the gate.
    pub fn envs(&self) -> Vec<(String, String)> {
        let mut envs = self.env.envs();
        envs.extend([
            (
                "AWS_CONFIG_FILE".into(),
                self.config_path().display().to_string(),
            ),
            (
                "AWS_SHARED_CREDENTIALS_FILE".into(),
                self.credentials_path().display().to_string(),
            ),
            ("AWS_ENDPOINT_URL".into(), self.gate.endpoint()),
            ("AWS_DEFAULT_REGION".into(), "us-east-1".into()),
        ]);
        envs
    }

    pub fn otpilot(&self, args: &[&str]) -> Command {
        let mut cmd = self.env.command(args);
        cmd.envs(self.envs());
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Run {
        let run = Run(self
            .otpilot(args)
            .stdin(Stdio::null())
            .output()
            .expect("run otpilot"));
        if run.code() != 0 {
            self.env.assert_keyring_alive();
        }
        run
    }

    /// Runs otpilot, asserts success, returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let run = self.run(args);
        run.assert_ok();
        run.stdout()
    }

    /// `otpilot credential-process PROFILE`, parsed.
    pub fn credential_process(&self, profile: &str) -> serde_json::Value {
        let run = self.run(&["credential-process", profile]);
        run.assert_ok();
        serde_json::from_str(&run.stdout())
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", run.stdout()))
    }

    /// The AWS CLI v1 from the test venv, in this world.
    pub fn aws(&self, args: &[&str]) -> Output {
        Command::new(venv().join("bin/aws"))
            .args(args)
            .env_clear()
            .envs(self.envs())
            .stdin(Stdio::null())
            .output()
            .expect("aws cli")
    }

    /// Runs a Python snippet in the test venv (boto3), in this world.
    pub fn python(&self, code: &str) -> Output {
        Command::new(venv().join("bin/python"))
            .args(["-c", code])
            .env_clear()
            .envs(self.envs())
            .stdin(Stdio::null())
            .output()
            .expect("python")
    }

    /// Every secret this world's credentials would expose, for leak checks.
    pub fn assert_no_secret_in_files(&self, secrets: &[&str]) {
        for secret in secrets.iter().chain([&self.seed.as_str(), &BASE_SECRET]) {
            let found = self.env.files_containing(secret);
            // The base secret lives in the credentials file by design (that is the user's
            // own file); everything else must be nowhere.
            let found: Vec<_> = found
                .into_iter()
                .filter(|p| !(secret == &BASE_SECRET && *p == self.credentials_path()))
                .collect();
            assert!(found.is_empty(), "a secret was written to {found:?}");
        }
    }
}
