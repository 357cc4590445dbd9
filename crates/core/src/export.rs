//! Credentials as environment variables, for tools that only read the environment: the
//! variables a profile's credentials become ([`variables`]), and those variables written in
//! the syntax of each shell ([`render`]), as `aws configure export-credentials --format`
//! writes them (<https://awscli.amazonaws.com/v2/documentation/api/latest/reference/configure/export-credentials.html>).

use crate::credentials::{rfc3339, Credentials};
use crate::error::{Error, Result};
use crate::secret::SecretString;

/// A shell (or the `credential_process` JSON) to write the variables for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// `export NAME='value'` (bash, zsh, sh).
    Env,
    /// `NAME='value'`, for `.env` files and `env $(…)`.
    EnvNoExport,
    /// `set -gx NAME 'value'`.
    Fish,
    /// `$Env:NAME='value'`.
    Powershell,
    /// `set "NAME=value"`.
    WindowsCmd,
    /// The `credential_process` JSON (Version 1).
    Process,
}

/// Environment variables that make an SDK look elsewhere for credentials than the ones
/// Otpilot sets: a profile (which may run `credential_process` again), a container or
/// web-identity provider, or stale keys. `otpilot exec` removes them from the child.
pub const COMPETING_VARIABLES: &[&str] = &[
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_ARN",
    "AWS_ROLE_SESSION_NAME",
];

/// The variables `creds` (and the profile's `region`) become, in the order the AWS CLI
/// prints them. The values of the first three hold secrets.
pub fn variables(creds: &Credentials, region: Option<&str>) -> Vec<(&'static str, SecretString)> {
    let mut vars = vec![
        (
            "AWS_ACCESS_KEY_ID",
            SecretString::from(creds.access_key_id.as_str()),
        ),
        ("AWS_SECRET_ACCESS_KEY", creds.secret_access_key.clone()),
    ];
    if let Some(token) = &creds.session_token {
        vars.push(("AWS_SESSION_TOKEN", token.clone()));
    }
    if let Some(exp) = creds.expiration {
        vars.push(("AWS_CREDENTIAL_EXPIRATION", SecretString::new(rfc3339(exp))));
    }
    if let Some(region) = region {
        vars.push(("AWS_REGION", SecretString::from(region)));
        vars.push(("AWS_DEFAULT_REGION", SecretString::from(region)));
    }
    vars
}

/// The variables as `format` writes them, one per line. Holds secrets: stdout only.
pub fn render(
    format: ExportFormat,
    creds: &Credentials,
    region: Option<&str>,
) -> Result<SecretString> {
    if format == ExportFormat::Process {
        let mut json = creds.to_process_json().expose().to_owned();
        json.push('\n');
        return Ok(SecretString::new(json));
    }
    let mut out = String::new();
    for (name, value) in variables(creds, region) {
        let value = value.expose();
        let line = match format {
            ExportFormat::Env => format!("export {name}={}\n", posix_quote(value)),
            ExportFormat::EnvNoExport => format!("{name}={}\n", posix_quote(value)),
            ExportFormat::Fish => format!("set -gx {name} {}\n", fish_quote(value)),
            ExportFormat::Powershell => format!("$Env:{name}={}\n", powershell_quote(value)),
            ExportFormat::WindowsCmd => format!("set \"{name}={}\"\n", cmd_value(name, value)?),
            ExportFormat::Process => unreachable!("handled above"),
        };
        out.push_str(&line);
    }
    Ok(SecretString::new(out))
}

/// Single quotes, in which sh takes every character literally but `'` itself.
fn posix_quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', r"'\''"))
}

/// fish's single quotes: only `\` and `'` are special, each escaped with `\`.
fn fish_quote(value: &str) -> String {
    format!("'{}'", value.replace('\\', r"\\").replace('\'', r"\'"))
}

/// PowerShell's verbatim single quotes: `'` is doubled, nothing else is special.
fn powershell_quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// cmd.exe has no quoting that stops `%` expansion or a line break, so values holding them
/// are refused rather than written wrong (AWS's keys and tokens never hold them).
fn cmd_value<'v>(name: &str, value: &'v str) -> Result<&'v str> {
    if value
        .chars()
        .any(|c| matches!(c, '%' | '"' | '\r' | '\n' | '!'))
    {
        return Err(Error::ExportUnsafe {
            variable: name.to_owned(),
            format: "windows-cmd",
        });
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn creds() -> Credentials {
        Credentials {
            access_key_id: "ASIAEXAMPLE".into(),
            secret_access_key: "wJalr/K7MDENG+bPxRfiCY=".into(),
            session_token: Some("IQoJb3Jp'gin".into()),
            expiration: Some(1_795_341_600),
        }
    }

    #[test]
    fn golden_lines_per_format() {
        let c = creds();
        let region = Some("eu-west-1");
        let env = render(ExportFormat::Env, &c, region).unwrap();
        assert_eq!(
            env.expose(),
            "export AWS_ACCESS_KEY_ID='ASIAEXAMPLE'\n\
             export AWS_SECRET_ACCESS_KEY='wJalr/K7MDENG+bPxRfiCY='\n\
             export AWS_SESSION_TOKEN='IQoJb3Jp'\\''gin'\n\
             export AWS_CREDENTIAL_EXPIRATION='2026-11-22T10:00:00Z'\n\
             export AWS_REGION='eu-west-1'\n\
             export AWS_DEFAULT_REGION='eu-west-1'\n"
        );
        let fish = render(ExportFormat::Fish, &c, None).unwrap();
        assert!(fish
            .expose()
            .contains("set -gx AWS_SESSION_TOKEN 'IQoJb3Jp\\'gin'\n"));
        let ps = render(ExportFormat::Powershell, &c, None).unwrap();
        assert!(ps
            .expose()
            .starts_with("$Env:AWS_ACCESS_KEY_ID='ASIAEXAMPLE'\n"));
        assert!(ps
            .expose()
            .contains("$Env:AWS_SESSION_TOKEN='IQoJb3Jp''gin'\n"));
        let plain = render(ExportFormat::EnvNoExport, &c, None).unwrap();
        assert!(plain
            .expose()
            .starts_with("AWS_ACCESS_KEY_ID='ASIAEXAMPLE'\n"));
        // cmd.exe cannot quote `'`-free but `%`-holding values; this token has neither.
        let mut safe = creds();
        safe.session_token = Some("IQoJb3Jpgin=".into());
        let cmd = render(ExportFormat::WindowsCmd, &safe, None).unwrap();
        assert!(cmd
            .expose()
            .contains("set \"AWS_SESSION_TOKEN=IQoJb3Jpgin=\"\n"));
        safe.session_token = Some("50%".into());
        assert!(matches!(
            render(ExportFormat::WindowsCmd, &safe, None),
            Err(Error::ExportUnsafe { .. })
        ));
        let json = render(ExportFormat::Process, &c, None).unwrap();
        let value: serde_json::Value = serde_json::from_str(json.expose()).unwrap();
        assert_eq!(value["Version"], 1);
    }

    #[test]
    fn long_term_keys_have_no_token_or_expiry() {
        let mut c = creds();
        c.session_token = None;
        c.expiration = None;
        let names: Vec<&str> = variables(&c, None).into_iter().map(|v| v.0).collect();
        assert_eq!(names, ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]);
    }
}
