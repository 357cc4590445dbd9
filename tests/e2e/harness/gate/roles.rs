//! What AWS checks before AssumeRole that moto does not: the role must exist (moto hands out
//! credentials for any ARN, see its `assume_role` docstring). With
//! [`super::Gate::verify_assumed_roles`], the gate asks moto's IAM in the role's account
//! (`GetRole`, the account named by moto's `x-moto-account-id` header) and answers a missing
//! role as AWS does: `AccessDenied ... is not authorized to perform: sts:AssumeRole`.
//! Also the awsJson protocol's parts (Organizations): the action from `X-Amz-Target` and
//! errors as JSON.

use std::collections::BTreeMap;

use super::http::{forward, reason_phrase, Request, Response};

/// `arn:aws:iam::111122223333:role/path/Name` -> ("111122223333", "Name").
fn split_role_arn(arn: &str) -> Option<(&str, &str)> {
    let mut parts = arn.splitn(6, ':');
    let (_, _, service, _, account, resource) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    let name = resource.strip_prefix("role/")?.rsplit('/').next()?;
    (service == "iam" && !account.is_empty() && !name.is_empty()).then_some((account, name))
}

/// Whether the role exists in its account, asked of moto's IAM. `None`: moto could not be
/// asked (the caller then forwards, as without the check).
pub(super) fn role_exists(upstream: &str, role_arn: &str) -> Option<bool> {
    let Some((account, name)) = split_role_arn(role_arn) else {
        return Some(false);
    };
    let body = format!(
        "Action=GetRole&Version=2010-05-08&RoleName={}",
        name.replace('+', "%2B")
    );
    let request = Request {
        method: "POST".into(),
        target: "/".into(),
        version: "HTTP/1.1".into(),
        headers: vec![
            ("Host".into(), upstream.into()),
            (
                "Content-Type".into(),
                "application/x-www-form-urlencoded; charset=utf-8".into(),
            ),
            ("x-moto-account-id".into(), account.into()),
            (
                "Authorization".into(),
                "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0".into(),
            ),
        ],
        body: body.into_bytes(),
    };
    let response = forward(upstream, &request).ok()?;
    match response.status {
        200 => Some(true),
        404 => Some(false),
        _ => None,
    }
}

/// The action of an awsJson request: `AWSOrganizationsV20161128.ListAccounts` -> `ListAccounts`.
pub(super) fn json_action(request: &Request) -> Option<String> {
    let target = request.header("x-amz-target")?;
    Some(target.rsplit('.').next()?.to_owned())
}

/// An awsJson 1.1 error answer, as Organizations sends them.
pub(super) fn json_error(status: u16, code: &str, message: &str, date: String) -> Response {
    let request_id = super::answers::request_id();
    let body = serde_json::json!({ "__type": code, "Message": message }).to_string();
    Response {
        status,
        reason: reason_phrase(status).into(),
        headers: vec![
            ("Content-Type".into(), "application/x-amz-json-1.1".into()),
            ("x-amzn-RequestId".into(), request_id),
            ("Date".into(), date),
        ],
        body: body.into_bytes(),
    }
}

/// The record's parameters of an awsJson request: its body's top-level strings.
pub(super) fn json_params(request: &Request) -> BTreeMap<String, String> {
    let mut params = BTreeMap::new();
    if let Ok(serde_json::Value::Object(map)) = serde_json::from_slice(&request.body) {
        for (k, v) in map {
            let v = match v {
                serde_json::Value::String(s) => s,
                other => other.to_string(),
            };
            params.insert(k, v);
        }
    }
    params
}

#[cfg(test)]
mod tests {
    #[test]
    fn role_arns_are_split() {
        assert_eq!(
            super::split_role_arn("arn:aws:iam::111122223333:role/OrganizationAccountAccessRole"),
            Some(("111122223333", "OrganizationAccountAccessRole"))
        );
        assert_eq!(
            super::split_role_arn("arn:aws:iam::111122223333:role/a/b/Name"),
            Some(("111122223333", "Name"))
        );
        assert_eq!(
            super::split_role_arn("arn:aws:iam::111122223333:user/x"),
            None
        );
    }
}
