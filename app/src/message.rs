//! A message as the page shows it: its text and, where localization testers are served
//! (`APP_PSEUDO_LOCALES=1`), its key and arguments. Rendered, a message with a key becomes
//! `<span data-l10n-key="…" data-l10n-args='{"count":"5"}'>…</span>`, on the server and in the
//! browser alike, so a screenshot or a Playwright test can name the key of any text it sees;
//! without a key (production) it is the bare text, as before.
//!
//! This is the one place that writes the attributes: every field of the generated message
//! tables is a [`Text`] and [`crate::i18n::fill`] gives a [`Message`], and a component puts
//! either into its view as it did a string. Whether they carry keys is the table's choice
//! ([`crate::i18n::use_messages`] picks the keyed tables when testers are served).

use leptos::{
    either::Either,
    prelude::*,
    tachys::{
        html::attribute::{any_attribute::AnyAttribute, Attribute},
        hydration::Cursor,
        view::{add_attr::AddAnyAttr, Position, PositionState},
    },
};
use std::fmt;

/// The attribute naming a message's key (for plurals `key.form`, as show-keys mode writes it).
pub const KEY_ATTRIBUTE: &str = "data-l10n-key";
/// The attribute holding the values filled into a message, as a JSON object of strings.
pub const ARGS_ATTRIBUTE: &str = "data-l10n-args";

/// One message of a generated table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Text {
    /// `Some` only in the tables served to localization testers.
    pub key: Option<&'static str>,
    pub text: &'static str,
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.text)
    }
}

/// A message with its placeholders filled (or a [`Text`] that has none).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    pub key: Option<&'static str>,
    /// The filled values by placeholder, recorded only with a key.
    pub args: Vec<(&'static str, String)>,
    pub text: String,
}

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl From<Text> for Message {
    fn from(text: Text) -> Message {
        Message { key: text.key, args: Vec::new(), text: text.text.to_owned() }
    }
}

impl Message {
    /// The value of [`ARGS_ATTRIBUTE`], if any value was filled in.
    pub fn args_json(&self) -> Option<String> {
        let object: serde_json::Map<String, serde_json::Value> =
            self.args.iter().map(|(name, value)| ((*name).to_owned(), value.clone().into())).collect();
        (!object.is_empty()).then(|| serde_json::Value::Object(object).to_string())
    }
}

type TextView = Either<AnyView, &'static str>;
type MessageView = Either<AnyView, String>;

impl Text {
    fn view(self) -> TextView {
        match self.key {
            Some(key) => Either::Left(view! { <span data-l10n-key=key>{self.text}</span> }.into_any()),
            None => Either::Right(self.text),
        }
    }
}

impl Message {
    fn view(self) -> MessageView {
        match self.key {
            Some(key) => {
                let args = self.args_json();
                Either::Left(view! { <span data-l10n-key=key data-l10n-args=args>{self.text}</span> }.into_any())
            }
            None => Either::Right(self.text),
        }
    }
}

/// Renders `$type` as what its `view()` gives, so that a component writes `{t.brand}` or
/// `{move || fill(…)}` where it wrote a string.
macro_rules! render_as_view {
    ($type:ty, $view:ty) => {
        impl Render for $type {
            type State = <$view as Render>::State;

            fn build(self) -> Self::State {
                self.view().build()
            }

            fn rebuild(self, state: &mut Self::State) {
                self.view().rebuild(state)
            }
        }

        impl AddAnyAttr for $type {
            type Output<SomeNewAttr: Attribute> = <$view as AddAnyAttr>::Output<SomeNewAttr>;

            fn add_any_attr<NewAttr: Attribute>(self, attr: NewAttr) -> Self::Output<NewAttr>
            where
                Self::Output<NewAttr>: RenderHtml,
            {
                self.view().add_any_attr(attr)
            }
        }

        impl RenderHtml for $type {
            type AsyncOutput = $view;
            type Owned = $view;

            const MIN_LENGTH: usize = 0;

            // A message waits for nothing.
            fn dry_resolve(&mut self) {}

            async fn resolve(self) -> Self::AsyncOutput {
                self.view()
            }

            fn to_html_with_buf(
                self,
                buf: &mut String,
                position: &mut Position,
                escape: bool,
                mark_branches: bool,
                extra_attrs: Vec<AnyAttribute>,
            ) {
                self.view().to_html_with_buf(buf, position, escape, mark_branches, extra_attrs)
            }

            fn hydrate<const FROM_SERVER: bool>(self, cursor: &Cursor, position: &PositionState) -> Self::State {
                self.view().hydrate::<FROM_SERVER>(cursor, position)
            }

            fn into_owned(self) -> Self::Owned {
                self.view()
            }
        }
    };
}

render_as_view!(Text, TextView);
render_as_view!(Message, MessageView);
