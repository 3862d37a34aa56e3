//! The sign-in, sign-up and sign-out server functions: thin adapters from form fields to the
//! domain rules and the store.

use super::Viewer;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::server_context::with_status;
use leptos::prelude::*;

/// Who is signed in, for the header.
#[server(prefix = "/api", endpoint = "viewer", input_derive = (Clone, serde::Serialize, serde::Deserialize, schemars::JsonSchema))]
pub async fn current_viewer() -> Result<Option<Viewer>, AppError> {
    server::viewer().map_err(with_status)
}

#[server(prefix = "/api", endpoint = "sign_in", input_derive = (Clone, serde::Serialize, serde::Deserialize, schemars::JsonSchema))]
pub async fn sign_in(
    locale: String,
    email: String,
    password: String,
    next: Option<String>,
) -> Result<String, AppError> {
    server::sign_in(&locale, &email, &password, next.as_deref()).await.map_err(with_status)
}

#[server(prefix = "/api", endpoint = "sign_up", input_derive = (Clone, serde::Serialize, serde::Deserialize, schemars::JsonSchema))]
pub async fn sign_up(
    locale: String,
    name: String,
    email: String,
    password: String,
    country: String,
) -> Result<String, AppError> {
    server::sign_up(&locale, &name, &email, &password, &country).await.map_err(with_status)
}

#[server(prefix = "/api", endpoint = "sign_out", input_derive = (Clone, serde::Serialize, serde::Deserialize, schemars::JsonSchema))]
pub async fn sign_out(locale: String) -> Result<String, AppError> {
    server::sign_out(&locale).await.map_err(with_status)
}

/// Only a path on this site may be a destination after sign-in (no open redirects).
pub fn safe_next(next: Option<&str>) -> Option<&str> {
    next.filter(|path| {
        path.starts_with('/')
            && !path.starts_with("//")
            && !path.starts_with("/\\")
            && !path.chars().any(|c| c.is_control() || c == '\\')
    })
}

#[cfg(feature = "ssr")]
mod server {
    use super::{safe_next, Viewer};
    use crate::{
        auth::{
            rate_limit::{SIGN_IN_PER_ACCOUNT, SIGN_IN_PER_IP, SIGN_UP_PER_IP},
            session,
            store::{self, InsertAccountError, NewAccount},
        },
        domain::{
            account::{typed_password, Country, EmailAddress, NewPassword, PersonName},
            problems::Problems,
            FieldProblem, Problem,
        },
        error::AppError,
        i18n::Locale,
        server_context::{client_key, redirect_plain_form_post, server_context, set_cookie},
    };

    pub fn viewer() -> Result<Option<Viewer>, AppError> {
        Ok(session::signed_in().map(|s| Viewer { name: s.name }))
    }

    fn locale_of(tag: &str) -> Locale {
        Locale::from_tag(tag).unwrap_or_default()
    }

    pub async fn sign_in(locale: &str, email: &str, password: &str, next: Option<&str>) -> Result<String, AppError> {
        let ctx = server_context();
        let mut problems = Problems::default();
        let email = problems.check("email", EmailAddress::parse(email));
        let password = problems.check("password", typed_password(password));
        problems.into_result().map_err(AppError::Invalid)?;
        let (email, password) = (email.unwrap(), password.unwrap());

        // Counted before the hash is checked, so parallel guesses cannot outrun the limit.
        let attempts = [(&SIGN_IN_PER_IP, client_key()), (&SIGN_IN_PER_ACCOUNT, ctx.digester.rate_limit_key(&email))];
        for (limit, key) in &attempts {
            limit.attempt(&ctx.pool, key).await?;
        }

        let credentials = store::find_credentials(&ctx.pool, &email).await?;
        let (account_id, hash) = credentials.map(|c| (c.account_id, c.password_hash)).unzip();
        let verified = store::verify_password(password, hash).await?;
        let Some(account_id) = account_id.filter(|_| verified) else {
            return Err(AppError::SignInFailed);
        };
        for (limit, key) in &attempts {
            limit.forgive(&ctx.pool, key).await?;
        }

        let mut tx = ctx.pool.begin().await?;
        // A new session id at every sign-in: a token planted before sign-in is worthless.
        if let Some(previous) = session::signed_in() {
            session::delete(&mut tx, &previous.token).await?;
        }
        let token = session::create(&mut tx, account_id).await?;
        tx.commit().await?;

        set_cookie(&token.set_cookie(ctx.secure_cookies));
        let target = safe_next(next).map_or_else(|| locale_of(locale).href("/"), str::to_owned);
        redirect_plain_form_post(&target);
        Ok(target)
    }

    pub async fn sign_up(
        locale: &str,
        name: &str,
        email: &str,
        password: &str,
        country: &str,
    ) -> Result<String, AppError> {
        let ctx = server_context();
        let locale = locale_of(locale);
        let mut problems = Problems::default();
        let name = problems.check("name", PersonName::parse(name));
        let email = problems.check("email", EmailAddress::parse(email));
        let password = problems.check("password", NewPassword::parse(password));
        let country = problems.check("country", Country::parse(country));
        problems.into_result().map_err(AppError::Invalid)?;
        let account = NewAccount {
            name: name.unwrap(),
            email: email.unwrap(),
            password: password.unwrap(),
            country: country.unwrap(),
            locale,
        };
        let email_problem = |problem| AppError::Invalid(vec![FieldProblem::new("email", problem)]);

        SIGN_UP_PER_IP.attempt(&ctx.pool, &client_key()).await?;
        let password_hash = store::hash_password(&account.password).await?;
        let mut tx = ctx.pool.begin().await?;
        // Waits for a deletion of this address under way, whose block must win.
        store::lock_address(&mut tx, &ctx.digester.digests(&account.email).block).await?;
        if store::is_blocked(&mut tx, &ctx.digester.block_digests(&account.email)).await? {
            return Err(email_problem(Problem::EmailBlocked));
        }
        let account_id = match store::insert_account(&mut tx, &account, &password_hash).await {
            Ok(id) => id,
            Err(InsertAccountError::EmailTaken) => return Err(email_problem(Problem::EmailTaken)),
            Err(InsertAccountError::Database(e)) => return Err(e.into()),
        };
        let token = session::create(&mut tx, account_id).await?;
        tx.commit().await?;

        set_cookie(&token.set_cookie(ctx.secure_cookies));
        let target = locale.href("/");
        redirect_plain_form_post(&target);
        Ok(target)
    }

    pub async fn sign_out(locale: &str) -> Result<String, AppError> {
        let ctx = server_context();
        if let Some(current) = session::signed_in() {
            let mut conn = ctx.pool.acquire().await?;
            session::delete(&mut conn, &current.token).await?;
        }
        set_cookie(&session::clear_cookie(ctx.secure_cookies));
        let target = locale_of(locale).href("/");
        redirect_plain_form_post(&target);
        Ok(target)
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_local_paths_are_followed_after_sign_in() {
        assert_eq!(safe_next(Some("/fi/account?x=1")), Some("/fi/account?x=1"));
        for hostile in ["https://evil.example", "//evil.example", "/\\evil.example", "account", "/a\nb"] {
            assert_eq!(safe_next(Some(hostile)), None, "{hostile}");
        }
        assert_eq!(safe_next(None), None);
    }
}
