//! otpilot-core: everything Otpilot does, with no user interface.
//!
//! TOTP seeds live in the OS keyring ([`store`]), devices' public metadata in a private
//! config file ([`device`]); codes come from [`totp`]; seeds arrive through [`import`] as
//! people have them (base32, otpauth URIs, Google Authenticator exports, QR images, AWS seed
//! files). This crate never prints and never exits: front ends do that with its typed
//! [`Error`]s, whose messages say what to do next.

pub mod account;
pub mod agent;
pub mod app;
pub mod atomic;
pub mod audit;
pub mod aws;
pub mod broker;
pub mod cache;
pub mod clock;
pub mod console;
pub mod credentials;
pub mod csv;
pub mod device;
pub mod doctor;
pub mod endpoint;
pub mod env;
pub mod error;
pub mod export;
pub mod import;
pub mod invocation;
pub mod keys;
pub mod lifecycle;
pub mod limits;
pub mod listen;
pub mod localtime;
pub mod lock;
pub mod mfa;
pub mod migration;
pub mod otpauth;
pub mod paths;
pub mod platform;
pub mod policy;
pub mod qr;
pub mod runtime;
pub mod secret;
pub mod settings;
pub mod store;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod text;
pub mod totp;
pub mod tpm;
pub mod vault;
pub mod version;

pub use error::{Error, Result};
