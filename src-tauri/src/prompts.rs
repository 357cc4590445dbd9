//! Asking the person from the tray: a small dialog window per question (an MFA code, or
//! "allow this profile to use this device?"), for callers that have no terminal (Terraform,
//! IDEs) and reach Otpilot through the agent. The asking thread blocks until the dialog is
//! answered, closed, or the wait times out.

use std::collections::HashMap;
use std::sync::mpsc::{channel, Sender};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use otpilot_core::mfa::Interaction;
use otpilot_core::secret::SecretString;
use serde::Serialize;
use tauri::{AppHandle, WebviewUrl, WebviewWindowBuilder};

/// How long a dialog waits for the person before the caller gets an error.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(120);

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct PromptView {
    pub id: String,
    pub kind: &'static str,
    pub profile: String,
    pub serial: Option<String>,
    pub device: Option<String>,
}

pub struct PromptAnswer {
    pub code: Option<SecretString>,
    pub allow: bool,
}

struct Pending {
    view: PromptView,
    reply: Sender<PromptAnswer>,
}

#[derive(Default)]
pub struct Prompts {
    pending: Mutex<HashMap<String, Pending>>,
    next: Mutex<u64>,
    app: OnceLock<AppHandle>,
}

impl Prompts {
    pub fn attach(&self, app: AppHandle) {
        let _ = self.app.set(app);
    }

    pub fn view(&self, id: &str) -> Option<PromptView> {
        self.pending.lock().unwrap().get(id).map(|p| p.view.clone())
    }

    /// Delivers the person's answer; `false` if the question is no longer open.
    pub fn answer(&self, id: &str, answer: PromptAnswer) -> bool {
        match self.pending.lock().unwrap().remove(id) {
            Some(p) => p.reply.send(answer).is_ok(),
            None => false,
        }
    }

    fn ask(
        &self,
        kind: &'static str,
        profile: &str,
        serial: Option<&str>,
        device: Option<&str>,
    ) -> Option<PromptAnswer> {
        let app = self.app.get()?;
        let id = {
            let mut next = self.next.lock().unwrap();
            *next += 1;
            format!("p{}", *next)
        };
        let (tx, rx) = channel();
        let view = PromptView {
            id: id.clone(),
            kind,
            profile: profile.to_owned(),
            serial: serial.map(str::to_owned),
            device: device.map(str::to_owned),
        };
        let on_close = tx.clone();
        self.pending
            .lock()
            .unwrap()
            .insert(id.clone(), Pending { view, reply: tx });
        let label = format!("prompt-{id}");
        let url = WebviewUrl::App(format!("index.html#/prompt/{id}").into());
        let built = WebviewWindowBuilder::new(app, &label, url)
            .title("Otpilot")
            .inner_size(380.0, 240.0)
            .resizable(false)
            .always_on_top(true)
            .focused(true)
            .build();
        match built {
            // Closing the dialog is a "no", not a silent two-minute wait for the caller.
            Ok(window) => window.on_window_event(move |event| {
                if let tauri::WindowEvent::Destroyed = event {
                    let _ = on_close.send(PromptAnswer {
                        code: None,
                        allow: false,
                    });
                }
            }),
            Err(e) => {
                tracing::warn!("cannot open a prompt window: {e}");
                self.pending.lock().unwrap().remove(&id);
                return None;
            }
        }
        let answer = rx.recv_timeout(ANSWER_TIMEOUT).ok();
        self.pending.lock().unwrap().remove(&id);
        if let Some(window) = tauri::Manager::get_webview_window(app, &label) {
            let _ = window.close();
        }
        answer
    }
}

/// The tray's way of talking to the person: notifications and dialog windows.
pub struct TrayInteraction<'a> {
    pub prompts: &'a Prompts,
    pub notify: &'a (dyn Fn(&str) + Sync),
}

impl Interaction for TrayInteraction<'_> {
    fn notice(&self, message: &str) {
        tracing::info!("{message}");
        if message.starts_with("warning") {
            (self.notify)(message);
        }
    }

    fn prompt_mfa_code(
        &self,
        profile: &str,
        serial: &str,
    ) -> otpilot_core::Result<Option<SecretString>> {
        Ok(self
            .prompts
            .ask("code", profile, Some(serial), None)
            .and_then(|a| a.code))
    }

    fn approve_device(&self, profile: &str, device: &str) -> otpilot_core::Result<bool> {
        Ok(self
            .prompts
            .ask("approve", profile, None, Some(device))
            .is_some_and(|a| a.allow))
    }
}
