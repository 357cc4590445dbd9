//! Every `OTPILOT_*` environment variable Otpilot reads or sets, named once.

/// Set in the environment of everything Otpilot starts that could run `otpilot
/// credential-process` again (the `mfa_process` command); seeing it on entry means a loop.
pub const RECURSION_GUARD: &str = "OTPILOT_CREDENTIAL_PROCESS_ACTIVE";

/// Set to `1` to make `credential-process` skip the agent (benchmarks, debugging).
pub const NO_AGENT: &str = "OTPILOT_NO_AGENT";

/// A `tracing` filter for the logs on stderr (`debug`, `otpilot_core=trace`, ...).
pub const LOG: &str = "OTPILOT_LOG";

/// Replaces AWS's federation (console sign-in) endpoint; for tests and private endpoints.
pub const FEDERATION_ENDPOINT: &str = "OTPILOT_FEDERATION_ENDPOINT";

/// Set by `otpilot exec` in the command's environment: the profile whose credentials it
/// holds (for shell prompts, and to refuse a nested exec for another profile).
pub const EXEC_PROFILE: &str = "OTPILOT_PROFILE";

/// `keyring` or `vault`: which secret store to use, over `store` in `config.toml`.
pub const STORE: &str = "OTPILOT_STORE";

/// Whether the variable `name` is set at all (to anything, even empty).
pub fn is_set(name: &str) -> bool {
    std::env::var_os(name).is_some()
}
