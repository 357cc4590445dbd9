//! Everything about AWS: profiles, the credential plan, STS and IAM.

pub mod client;
pub mod config_diff;
pub mod config_edit;
pub mod file_lock;
pub mod iam;
pub mod iam_admin;
pub mod organizations;
pub mod plan;
pub mod profile;
pub mod sts;
