//! The gate's own answers, in AWS's shape: the refusals of MFA codes (STS's `AccessDenied`,
//! IAM's `InvalidAuthenticationCode` and `NoSuchEntity`), query-protocol error XML (or the JSON
//! of an awsJson service), and the empty answers of actions that return only a request id.

use super::http::{http_date, reason_phrase, Response};
use super::{is_six_digits, roles, Recorded, Rejection, State, ACCOUNT, IAM_XMLNS};

/// AWS's answer to a refused request: STS says `AccessDenied` for every MFA failure; IAM says
/// `InvalidAuthenticationCode` or `NoSuchEntity`.
pub(super) fn rejection_response(
    state: &State,
    rejection: Rejection,
    record: &Recorded,
    xmlns: &str,
) -> Response {
    let iam = xmlns == IAM_XMLNS;
    let serial = record.param("SerialNumber").unwrap_or_default();
    match rejection {
        Rejection::MalformedCode => {
            let (field, value) = if iam {
                let c1 = record.param("AuthenticationCode1").unwrap_or_default();
                if is_six_digits(c1) {
                    ("authenticationCode2", record.param("AuthenticationCode2"))
                } else {
                    ("authenticationCode1", Some(c1))
                }
            } else {
                ("tokenCode", record.param("TokenCode"))
            };
            let value = value.unwrap_or_default();
            let constraint = if value.len() < 6 {
                "Member must have length greater than or equal to 6"
            } else if value.len() > 6 {
                "Member must have length less than or equal to 6"
            } else {
                "Member must satisfy regular expression pattern: [\\d]*"
            };
            let message = format!(
                "1 validation error detected: Value '{value}' at '{field}' failed to satisfy \
                 constraint: {constraint}"
            );
            error_response(state, 400, xmlns, "Sender", "ValidationError", &message)
        }
        Rejection::UnknownSerial if iam => {
            let message = format!("VirtualMFADevice with serial number {serial} doesn't exist.");
            error_response(state, 404, xmlns, "Sender", "NoSuchEntity", &message)
        }
        Rejection::InvalidCode | Rejection::ReusedCode if iam => error_response(
            state,
            403,
            xmlns,
            "Sender",
            "InvalidAuthenticationCode",
            "Authentication code for device is not valid.",
        ),
        Rejection::UnknownSerial => error_response(
            state,
            403,
            xmlns,
            "Sender",
            "AccessDenied",
            "MultiFactorAuthentication failed, unable to validate MFA code.  Please verify your \
             MFA serial number is valid and associated with this user.",
        ),
        // AWS's text, trailing space included.
        Rejection::InvalidCode | Rejection::ReusedCode => error_response(
            state,
            403,
            xmlns,
            "Sender",
            "AccessDenied",
            "MultiFactorAuthentication failed with invalid MFA one time pass code. ",
        ),
        Rejection::NoSuchRole => {
            let message = format!(
                "User: arn:aws:sts::{ACCOUNT}:assumed-role/moto is not authorized to perform: \
                 sts:AssumeRole on resource: {}",
                record.param("RoleArn").unwrap_or_default()
            );
            error_response(state, 403, xmlns, "Sender", "AccessDenied", &message)
        }
        Rejection::MfaRequired => {
            let resource = record
                .param("RoleArn")
                .map(|arn| format!(" on resource: {arn}"))
                .unwrap_or_default();
            let message = format!(
                "User: arn:aws:iam::{ACCOUNT}:user/moto is not authorized to perform: sts:{}{} \
                 with an explicit deny in an identity-based policy",
                record.action, resource
            );
            error_response(state, 403, xmlns, "Sender", "AccessDenied", &message)
        }
    }
}

/// Stands for the namespace of an awsJson service (Organizations): its errors are JSON.
pub(super) const JSON: &str = "json";

/// AWS query-protocol error XML (JSON for an awsJson service, with its throttling code).
pub(super) fn error_response(
    state: &State,
    status: u16,
    xmlns: &str,
    kind: &str,
    code: &str,
    message: &str,
) -> Response {
    if xmlns == JSON {
        let code = if code == "Throttling" {
            "TooManyRequestsException"
        } else {
            code
        };
        return roles::json_error(status, code, message, http_date(state.now()));
    }
    let request_id = request_id();
    let body = format!(
        "<ErrorResponse xmlns=\"{xmlns}\"><Error><Type>{kind}</Type><Code>{code}</Code>\
         <Message>{}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>",
        xml_escape(message)
    );
    Response {
        status,
        reason: reason_phrase(status).into(),
        headers: vec![
            ("Content-Type".into(), "text/xml".into()),
            ("x-amzn-RequestId".into(), request_id),
            ("Date".into(), http_date(state.now())),
        ],
        body: body.into_bytes(),
    }
}

/// The answer of an action that returns nothing but its request id.
pub(super) fn empty_response(state: &State, action: &str, xmlns: &str) -> Response {
    let request_id = request_id();
    let body = format!(
        "<{action}Response xmlns=\"{xmlns}\"><ResponseMetadata><RequestId>{request_id}</RequestId>\
         </ResponseMetadata></{action}Response>"
    );
    Response {
        status: 200,
        reason: reason_phrase(200).into(),
        headers: vec![
            ("Content-Type".into(), "text/xml".into()),
            ("x-amzn-RequestId".into(), request_id),
            ("Date".into(), http_date(state.now())),
        ],
        body: body.into_bytes(),
    }
}

pub(super) fn xml_text<'a>(xml: &'a str, tag: &str) -> Option<&'a str> {
    let start = xml.find(&format!("<{tag}>"))? + tag.len() + 2;
    let len = xml[start..].find(&format!("</{tag}>"))?;
    Some(&xml[start..start + len])
}

pub(super) fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

pub(super) fn request_id() -> String {
    let b: [u8; 16] = rand::random();
    let hex: String = b.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-4{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[13..16],
        &hex[16..20],
        &hex[20..32]
    )
}
