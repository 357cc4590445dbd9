//! What the tray knows about a watched profile; the window reads it from the tray.

use serde::{Deserialize, Serialize};

/// What the tray knows about a watched profile.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Freshness {
    Valid,
    Refreshing,
    Attention,
    Unknown,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ProfileState {
    pub state: Freshness,
    pub expires_at: Option<i64>,
    pub message: Option<String>,
}
