//! Asking the person from the tray: a small GTK dialog per question (an MFA code, "allow
//! this profile to use this device?", or a sealed device's TPM PIN), for callers that have no terminal (Terraform, IDEs)
//! and reach Otpilot through the agent. Native dialogs open at once and cost no web engine.
//! The asking thread blocks until the dialog is answered, closed, or the wait times out.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{channel, Sender};
use std::time::Duration;

use gtk::prelude::*;
use otpilot_core::secret::SecretString;

/// How long a dialog waits for the person before the caller gets an error.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(120);

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

thread_local! {
    /// Open dialogs by id, so a timed-out question can take its dialog away.
    static OPEN: RefCell<HashMap<u64, gtk::Dialog>> = RefCell::new(HashMap::new());
}

/// Asks for the MFA code of `serial` for `profile`.
pub fn ask_code(profile: &str, serial: &str) -> Option<SecretString> {
    let title = format!("Otpilot: MFA code for {profile}");
    let text = format!("{profile} needs the current code of the MFA device {serial}.");
    ask(move |answer| code_dialog(&title, &text, answer))?.map(SecretString::new)
}

/// Asks whether `profile` may use the seed of `device` (a device set to "ask before use").
pub fn approve(profile: &str, device: &str) -> bool {
    let title = format!("Otpilot: allow {profile} to use {device}?");
    let text = format!(
        "Something asked for credentials for {profile}, which needs a code from the MFA \
         device {device}. Allow it this once?"
    );
    ask(move |answer| approve_dialog(&title, &text, answer)).is_some_and(|a| a.is_some())
}

/// Asks for the TPM PIN of the sealed device `device`.
pub fn ask_pin(device: &str) -> Option<SecretString> {
    let title = format!("Otpilot: TPM PIN of {device}");
    let text = format!(
        "The MFA device {device} is sealed in this computer's TPM with a PIN. Enter the PIN to \
         make a code. Wrong PINs count towards the TPM's lockout."
    );
    ask(move |answer| pin_dialog(&title, &text, answer))?.map(SecretString::new)
}

/// Shows the dialog `build` makes on the main thread and waits for what it sends.
fn ask(
    build: impl FnOnce(Sender<Option<String>>) -> gtk::Dialog + Send + 'static,
) -> Option<Option<String>> {
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    let (tx, rx) = channel();
    crate::on_main(move || {
        let dialog = build(tx);
        dialog.connect_destroy(move |_| {
            OPEN.with(|open| open.borrow_mut().remove(&id));
        });
        OPEN.with(|open| open.borrow_mut().insert(id, dialog.clone()));
        dialog.show_all();
        dialog.present();
    });
    let answer = rx.recv_timeout(ANSWER_TIMEOUT).ok();
    crate::on_main(move || {
        if let Some(dialog) = OPEN.with(|open| open.borrow_mut().remove(&id)) {
            // SAFETY: the dialog is ours and on its own thread; nothing else holds a
            // reference that outlives this call.
            unsafe { dialog.destroy() };
        }
    });
    answer
}

fn dialog(title: &str, text: &str, buttons: &[(&str, gtk::ResponseType)]) -> gtk::Dialog {
    let dialog = gtk::Dialog::with_buttons(
        Some(title),
        None::<&gtk::Window>,
        gtk::DialogFlags::empty(),
        buttons,
    );
    dialog.set_keep_above(true);
    dialog.set_resizable(false);
    dialog.set_border_width(12);
    let label = gtk::Label::new(Some(text));
    label.set_line_wrap(true);
    label.set_max_width_chars(48);
    label.set_xalign(0.0);
    dialog.content_area().set_spacing(8);
    dialog.content_area().add(&label);
    dialog
}

/// A code field and Cancel / Use code. Enter in the field answers; the button is live only
/// for 6 to 8 digits. Closing the dialog is a "no", not a silent wait for the caller.
fn code_dialog(title: &str, text: &str, answer: Sender<Option<String>>) -> gtk::Dialog {
    let entry = gtk::Entry::new();
    entry.set_input_purpose(gtk::InputPurpose::Digits);
    entry.set_max_length(8);
    entry.set_placeholder_text(Some("6-digit code"));
    entry_dialog(title, text, "_Use code", entry, answer, |text| {
        (6..=8).contains(&text.len()) && text.chars().all(|c| c.is_ascii_digit())
    })
}

/// A hidden PIN field and Cancel / Use PIN; the button is live once the PIN has 4 characters.
fn pin_dialog(title: &str, text: &str, answer: Sender<Option<String>>) -> gtk::Dialog {
    let entry = gtk::Entry::new();
    entry.set_visibility(false);
    entry.set_input_purpose(gtk::InputPurpose::Pin);
    entry.set_max_length(32);
    entry_dialog(title, text, "_Use PIN", entry, answer, |text| {
        text.chars().count() >= 4
    })
}

/// A dialog around one entry field: Cancel, and `accept` (the default, so Enter answers),
/// live only while `valid` holds for the text. The field is emptied once answered.
fn entry_dialog(
    title: &str,
    text: &str,
    accept: &str,
    entry: gtk::Entry,
    answer: Sender<Option<String>>,
    valid: fn(&str) -> bool,
) -> gtk::Dialog {
    let dialog = dialog(
        title,
        text,
        &[
            ("_Cancel", gtk::ResponseType::Cancel),
            (accept, gtk::ResponseType::Accept),
        ],
    );
    entry.set_activates_default(true);
    dialog.content_area().add(&entry);
    dialog.set_focus(Some(&entry));
    dialog.set_default_response(gtk::ResponseType::Accept);
    dialog.set_response_sensitive(gtk::ResponseType::Accept, false);
    let d = dialog.clone();
    entry.connect_changed(move |e| {
        d.set_response_sensitive(gtk::ResponseType::Accept, valid(&e.text()));
    });
    dialog.connect_response(move |dialog, response| {
        let text = (response == gtk::ResponseType::Accept).then(|| entry.text().to_string());
        entry.set_text("");
        let _ = answer.send(text);
        // SAFETY: as in `ask`: our dialog, on its own thread.
        unsafe { dialog.destroy() };
    });
    dialog
}

/// Deny / Allow, with Deny the default so a stray Enter does not hand out a code.
fn approve_dialog(title: &str, text: &str, answer: Sender<Option<String>>) -> gtk::Dialog {
    let dialog = dialog(
        title,
        text,
        &[
            ("_Deny", gtk::ResponseType::Reject),
            ("_Allow", gtk::ResponseType::Accept),
        ],
    );
    dialog.set_default_response(gtk::ResponseType::Reject);
    dialog.connect_response(move |dialog, response| {
        let allowed = (response == gtk::ResponseType::Accept).then(String::new);
        let _ = answer.send(allowed);
        // SAFETY: as in `ask`: our dialog, on its own thread.
        unsafe { dialog.destroy() };
    });
    dialog
}
