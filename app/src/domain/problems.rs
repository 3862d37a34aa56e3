//! What can be wrong with a form field, as codes the page turns into localized messages.

use crate::i18n::{Message, Messages};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub enum Problem {
    Required,
    TooLong {
        max: usize,
    },
    EmailInvalid,
    EmailTaken,
    EmailBlocked,
    PasswordTooShort {
        min: usize,
    },
    PhoneInvalid,
    CountryUnknown,
    PasswordWrong,
    TooShort {
        min: usize,
    },
    EmailMismatch,
    PhraseMismatch,
    ReasonRequired,
    ReasonUnknown,
    OtherTextRequired,
    OtherTextNotAllowed,
    InvalidCharacters,
    /// A value that is not one of the choices offered (a staff page's filter).
    ChoiceUnknown,
}

impl Problem {
    pub fn message(self, t: &'static Messages) -> Message {
        use crate::i18n::fill;
        match self {
            Problem::Required => t.problem_required.into(),
            Problem::TooLong { max } => fill(t.problem_too_long, &[("max", &max)]),
            Problem::EmailInvalid => t.problem_email_invalid.into(),
            Problem::EmailTaken => t.problem_email_taken.into(),
            Problem::EmailBlocked => t.problem_email_blocked.into(),
            Problem::PasswordTooShort { min } => fill(t.problem_password_too_short, &[("min", &min)]),
            Problem::PhoneInvalid => t.problem_phone_invalid.into(),
            Problem::CountryUnknown => t.problem_country_unknown.into(),
            Problem::PasswordWrong => t.problem_password_wrong.into(),
            Problem::TooShort { min } => fill(t.problem_too_short, &[("min", &min)]),
            Problem::EmailMismatch => t.problem_email_mismatch.into(),
            Problem::PhraseMismatch => fill(t.problem_phrase_mismatch, &[("phrase", &t.deactivate_phrase)]),
            Problem::ReasonRequired => t.problem_reason_required.into(),
            Problem::ReasonUnknown => t.problem_reason_unknown.into(),
            Problem::OtherTextRequired => t.problem_other_text_required.into(),
            Problem::OtherTextNotAllowed => t.problem_other_text_not_allowed.into(),
            Problem::InvalidCharacters => t.problem_text_invalid_characters.into(),
            Problem::ChoiceUnknown => t.staff_problem_choice_unknown.into(),
        }
    }
}

/// A problem at a named field of a form (the field's `name` attribute).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct FieldProblem {
    pub field: String,
    pub problem: Problem,
}

impl FieldProblem {
    pub fn new(field: &str, problem: Problem) -> FieldProblem {
        FieldProblem { field: field.to_owned(), problem }
    }
}

/// Collects the problems of several fields, so a form reports all of them at once.
#[derive(Debug, Default)]
pub struct Problems(Vec<FieldProblem>);

impl Problems {
    /// Keeps the parsed value, or records the problem under `field`.
    pub fn check<T>(&mut self, field: &str, parsed: Result<T, Problem>) -> Option<T> {
        parsed.map_err(|problem| self.0.push(FieldProblem::new(field, problem))).ok()
    }

    pub fn into_result(self) -> Result<(), Vec<FieldProblem>> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(self.0)
        }
    }
}

/// Trims `raw` and checks it is present, at most `max` characters long, and one line of plain
/// text (see [`is_forbidden_in_a_line`]).
pub fn required_text(raw: &str, max: usize) -> Result<String, Problem> {
    let text = raw.trim();
    if text.is_empty() {
        Err(Problem::Required)
    } else if text.chars().count() > max {
        Err(Problem::TooLong { max })
    } else if text.chars().any(is_forbidden_in_a_line) {
        Err(Problem::InvalidCharacters)
    } else {
        Ok(text.to_owned())
    }
}

/// Control characters (PostgreSQL refuses NUL; the others garble what staff and counterparts
/// read), except the line breaks and tabs of text that spans lines.
pub fn is_forbidden_in_text(c: char) -> bool {
    c.is_control() && !matches!(c, '\n' | '\r' | '\t')
}

/// In a one-line value such as a name: every control character, and the invisible ones that
/// make one name look like another or reorder what follows it (zero-width characters,
/// bidirectional embeddings, overrides and isolates, the byte order mark).
pub fn is_forbidden_in_a_line(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}')
}
