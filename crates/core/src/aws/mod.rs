//! Everything about AWS: profiles, the credential plan, STS.

pub mod config_edit;
pub mod plan;
pub mod profile;
pub mod sts;
