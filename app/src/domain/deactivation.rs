//! The deactivation form's rules: the email typed again, the phrase, and the reason.

use super::account::EmailAddress;
use super::problems::{is_forbidden_in_text, required_text, FieldProblem, Problem, Problems};
use crate::i18n::{Locale, Messages, Text};
use serde::{Deserialize, Serialize};

/// The nine reasons, in the seed's order. The code is what forms send and statistics keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
pub enum Reason {
    RegisteredByMistake,
    NoSuitableProducts,
    TooManyEmails,
    LeavingBusiness,
    Cheated,
    WrongEmail,
    FoundSupplier,
    NoAnswers,
    Other,
}

impl Reason {
    pub const ALL: [Reason; 9] = [
        Reason::RegisteredByMistake,
        Reason::NoSuitableProducts,
        Reason::TooManyEmails,
        Reason::LeavingBusiness,
        Reason::Cheated,
        Reason::WrongEmail,
        Reason::FoundSupplier,
        Reason::NoAnswers,
        Reason::Other,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Reason::RegisteredByMistake => "registered_by_mistake",
            Reason::NoSuitableProducts => "no_suitable_products",
            Reason::TooManyEmails => "too_many_emails",
            Reason::LeavingBusiness => "leaving_business",
            Reason::Cheated => "cheated",
            Reason::WrongEmail => "wrong_email",
            Reason::FoundSupplier => "found_supplier",
            Reason::NoAnswers => "no_answers",
            Reason::Other => "other",
        }
    }

    pub fn from_code(code: &str) -> Option<Reason> {
        Reason::ALL.into_iter().find(|r| r.code() == code)
    }

    pub fn label(self, t: &'static Messages) -> Text {
        match self {
            Reason::RegisteredByMistake => t.reason_registered_by_mistake,
            Reason::NoSuitableProducts => t.reason_no_suitable_products,
            Reason::TooManyEmails => t.reason_too_many_emails,
            Reason::LeavingBusiness => t.reason_leaving_business,
            Reason::Cheated => t.reason_cheated,
            Reason::WrongEmail => t.reason_wrong_email,
            Reason::FoundSupplier => t.reason_found_supplier,
            Reason::NoAnswers => t.reason_no_answers,
            Reason::Other => t.reason_other,
        }
    }
}

/// Why the person leaves, kept as anonymous statistics.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Feedback {
    pub reason: Reason,
    /// The language of the page the person left from.
    pub locale: Locale,
    /// The person's own words; present exactly when the reason is `Other`.
    pub other_text: Option<String>,
}

pub const OTHER_TEXT_MIN: usize = 3;
pub const OTHER_TEXT_MAX: usize = 500;
/// Longer than any locale's phrase; more is not a typo but abuse.
pub const PHRASE_MAX: usize = 100;

/// The phrase as compared: trimmed, lower case, inner whitespace collapsed.
fn normalize_phrase(raw: &str) -> String {
    raw.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

/// The English phrase is accepted in every locale, and the page locale's own phrase too.
pub fn phrase_matches(raw: &str, locale: Locale) -> bool {
    let typed = normalize_phrase(raw);
    typed == normalize_phrase(Locale::En.messages().deactivate_phrase.text)
        || typed == normalize_phrase(locale.messages().deactivate_phrase.text)
}

/// What the form sent, as typed.
#[derive(Debug, Clone, Default)]
pub struct DeactivationInput<'a> {
    pub email: &'a str,
    pub phrase: &'a str,
    pub reason: &'a str,
    pub other_text: &'a str,
}

/// Checks the whole form against the account's address. Every problem is reported at once.
pub fn parse_deactivation(
    input: &DeactivationInput<'_>,
    account_email: &str,
    locale: Locale,
) -> Result<Feedback, Vec<FieldProblem>> {
    let mut problems = Problems::default();
    problems.check(
        "email",
        EmailAddress::parse(input.email).and_then(|typed| {
            if typed.normalized() == account_email.trim().to_lowercase() {
                Ok(typed)
            } else {
                Err(Problem::EmailMismatch)
            }
        }),
    );
    problems.check(
        "phrase",
        required_text(input.phrase, PHRASE_MAX).and_then(|phrase| {
            if phrase_matches(&phrase, locale) {
                Ok(())
            } else {
                Err(Problem::PhraseMismatch)
            }
        }),
    );
    let reason = problems.check(
        "reason",
        match input.reason.trim() {
            "" => Err(Problem::ReasonRequired),
            code => Reason::from_code(code).ok_or(Problem::ReasonUnknown),
        },
    );
    let other_text = input.other_text.trim();
    let other_text = match reason {
        Some(Reason::Other) => problems
            .check(
                "other_text",
                match other_text.chars().count() {
                    0 => Err(Problem::OtherTextRequired),
                    n if n < OTHER_TEXT_MIN => Err(Problem::TooShort { min: OTHER_TEXT_MIN }),
                    n if n > OTHER_TEXT_MAX => Err(Problem::TooLong { max: OTHER_TEXT_MAX }),
                    _ if other_text.chars().any(is_forbidden_in_text) => Err(Problem::InvalidCharacters),
                    _ => Ok(other_text.to_owned()),
                },
            )
            .map(Some),
        Some(_) if !other_text.is_empty() => problems.check("other_text", Err(Problem::OtherTextNotAllowed)),
        _ => Some(None),
    };
    problems.into_result()?;
    Ok(Feedback { reason: reason.expect("checked"), locale, other_text: other_text.expect("checked") })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ACCOUNT: &str = "Aino.Virtanen@example.fi";

    fn input<'a>(email: &'a str, phrase: &'a str, reason: &'a str, other_text: &'a str) -> DeactivationInput<'a> {
        DeactivationInput { email, phrase, reason, other_text }
    }

    fn fields(result: Result<Feedback, Vec<FieldProblem>>) -> Vec<(String, Problem)> {
        result.unwrap_err().into_iter().map(|p| (p.field, p.problem)).collect()
    }

    #[test]
    fn a_complete_form_gives_the_feedback() {
        let feedback = parse_deactivation(
            &input(" aino.virtanen@EXAMPLE.fi ", "  Deactivate   MY account ", "cheated", ""),
            ACCOUNT,
            Locale::En,
        )
        .unwrap();
        assert_eq!(feedback, Feedback { reason: Reason::Cheated, locale: Locale::En, other_text: None });
    }

    #[test]
    fn the_finnish_phrase_counts_only_on_a_finnish_page_and_english_everywhere() {
        assert!(phrase_matches("Poista  tilini KÄYTÖSTÄ", Locale::Fi));
        assert!(phrase_matches("deactivate my account", Locale::Fi));
        assert!(!phrase_matches("poista tilini käytöstä", Locale::En));
        assert!(!phrase_matches("deactivate my acount", Locale::En));
    }

    #[test]
    fn other_needs_three_to_five_hundred_characters_of_text() {
        let ok =
            parse_deactivation(&input(ACCOUNT, "deactivate my account", "other", " Moving away "), ACCOUNT, Locale::En);
        assert_eq!(ok.unwrap().other_text.as_deref(), Some("Moving away"));
        let cases = [
            ("", Problem::OtherTextRequired),
            ("ab", Problem::TooShort { min: 3 }),
            (&"x".repeat(501) as &str, Problem::TooLong { max: 500 }),
        ];
        for (text, problem) in cases {
            let result =
                parse_deactivation(&input(ACCOUNT, "deactivate my account", "other", text), ACCOUNT, Locale::En);
            assert_eq!(fields(result), [("other_text".to_owned(), problem)]);
        }
    }

    #[test]
    fn every_wrong_field_is_reported_at_its_name() {
        let result = parse_deactivation(&input("someone@else.com", "delete it", "", ""), ACCOUNT, Locale::En);
        assert_eq!(
            fields(result),
            [
                ("email".to_owned(), Problem::EmailMismatch),
                ("phrase".to_owned(), Problem::PhraseMismatch),
                ("reason".to_owned(), Problem::ReasonRequired),
            ]
        );
        let result = parse_deactivation(&input(ACCOUNT, "deactivate my account", "bogus", ""), ACCOUNT, Locale::En);
        assert_eq!(fields(result), [("reason".to_owned(), Problem::ReasonUnknown)]);
        let result =
            parse_deactivation(&input(ACCOUNT, "deactivate my account", "cheated", "extra"), ACCOUNT, Locale::En);
        assert_eq!(fields(result), [("other_text".to_owned(), Problem::OtherTextNotAllowed)]);
    }

    #[test]
    fn oversized_fields_are_refused() {
        let long_email = format!("{}@example.com", "a".repeat(300));
        let long_phrase = "deactivate my account ".repeat(10);
        let result = parse_deactivation(&input(&long_email, &long_phrase, "cheated", ""), ACCOUNT, Locale::En);
        assert_eq!(
            fields(result),
            [("email".to_owned(), Problem::TooLong { max: 254 }), ("phrase".to_owned(), Problem::TooLong { max: 100 })]
        );
    }

    #[test]
    fn reason_codes_round_trip() {
        for reason in Reason::ALL {
            assert_eq!(Reason::from_code(reason.code()), Some(reason));
        }
    }
}
