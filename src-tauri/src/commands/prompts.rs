//! Prompt commands: the dialog window reads its question and answers it.

use tauri::State;

use crate::error::{CommandError, CommandResult};
use crate::prompts::{PromptAnswer, PromptView};
use crate::Shared;

#[tauri::command]
pub fn get_prompt(state: State<'_, Shared>, id: String) -> CommandResult<PromptView> {
    state.0.prompts.view(&id).ok_or_else(|| CommandError {
        kind: "not_found".into(),
        message: "this question was already answered or has timed out".into(),
    })
}

#[tauri::command]
pub fn answer_prompt(
    state: State<'_, Shared>,
    id: String,
    code: Option<String>,
    allow: bool,
) -> CommandResult<()> {
    let answer = PromptAnswer {
        code: code.map(otpilot_core::secret::SecretString::new),
        allow,
    };
    if state.0.prompts.answer(&id, answer) {
        Ok(())
    } else {
        Err(CommandError {
            kind: "not_found".into(),
            message: "this question was already answered or has timed out".into(),
        })
    }
}
