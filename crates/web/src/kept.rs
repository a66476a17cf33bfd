//! Answers about users kept rendered between requests: a user (REST and SCIM), a page of
//! the users list, a SCIM search. A kept answer is sent again only when the service says
//! it still stands ([`Switchboard::kept_stands`]: the rights held for the token and the
//! account's view version, one indexed row), and not past the time something it shows
//! turns by itself (an invite or a pending email expiring).
//!
//! [`Switchboard::kept_stands`]: switchboard_service::Switchboard::kept_stands

use std::sync::{Mutex, PoisonError};

use axum::body::Bytes;
use indexmap::IndexMap;
use switchboard_domain::{AccountId, UserId};
use switchboard_service::Ctx;
use switchboard_service::error::Error;
use switchboard_service::kept::Shows;

use crate::AppState;

/// The default for `serve --kept-answers-mib`.
pub const DEFAULT_MIB: usize = 256;

/// What was asked, within an account.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Asked {
    /// `GET /api/v1/users/{id}`.
    User(UserId),
    /// `GET /api/v1/users?…`, by its query string as sent.
    Users(String),
    /// `GET /scim/v2/Users/{id}?…`, by its query string as sent.
    ScimUser(UserId, String),
    /// `GET /scim/v2/Users?…`, by its query string as sent.
    ScimUsers(String),
}

impl Asked {
    /// Bytes of a key beside its answer, roughly.
    fn size(&self) -> usize {
        64 + match self {
            Self::User(_) => 0,
            Self::Users(q) | Self::ScimUser(_, q) | Self::ScimUsers(q) => q.len(),
        }
    }
}

/// One rendered answer.
#[derive(Clone, Debug)]
pub struct KeptAnswer {
    /// The account's view version it was read at (`None`: not to be kept).
    pub view_version: Option<i64>,
    /// Not to be sent at or after this time.
    pub until: Option<jiff::Timestamp>,
    /// The version of the one user it shows (its `ETag`), if it shows one.
    pub version: Option<i64>,
    /// The JSON answer.
    pub body: Bytes,
}

/// The answers kept by this process, at most `most_bytes` of them.
#[derive(Debug)]
pub struct KeptAnswers {
    most_bytes: usize,
    kept: Mutex<Kept>,
}

#[derive(Debug, Default)]
struct Kept {
    answers: IndexMap<(AccountId, Asked), KeptAnswer>,
    bytes: usize,
    /// Picks which answer goes when room is needed (xorshift).
    pick: u64,
}

impl Kept {
    /// Drops one answer at random: those asked for often are back soon, and nothing is
    /// spent keeping an order of use on every request.
    fn drop_one(&mut self) {
        let len = self.answers.len();
        if len == 0 {
            return;
        }
        let mut x = self.pick.max(1);
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.pick = x;
        let at = usize::try_from(x % len as u64).unwrap_or(0);
        if let Some(((_, asked), old)) = self.answers.swap_remove_index(at) {
            self.bytes -= asked.size() + old.body.len();
        }
    }
}

impl KeptAnswers {
    /// Keeps at most `mib` MiB of answers (0: none).
    pub fn new(mib: usize) -> Self {
        Self {
            most_bytes: mib.saturating_mul(1024 * 1024),
            kept: Mutex::default(),
        }
    }

    /// The answer kept for `asked`, unless none is or its time has passed at `now`.
    pub fn get(
        &self,
        account: AccountId,
        asked: &Asked,
        now: jiff::Timestamp,
    ) -> Option<KeptAnswer> {
        if self.most_bytes == 0 {
            return None;
        }
        let kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        kept.answers
            .get(&(account, asked.clone()))
            .filter(|a| a.until.is_none_or(|until| now < until))
            .cloned()
    }

    /// Keeps `answer` to `asked`, in place of any older one, dropping others at random
    /// while the budget has no room for it.
    pub fn keep(&self, account: AccountId, asked: Asked, answer: KeptAnswer) {
        let size = asked.size() + answer.body.len();
        if size > self.most_bytes || answer.view_version.is_none() {
            return;
        }
        let mut kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        let key = (account, asked);
        if let Some(old) = kept.answers.swap_remove(&key) {
            kept.bytes -= key.1.size() + old.body.len();
        }
        while kept.bytes + size > self.most_bytes {
            kept.drop_one();
        }
        kept.bytes += size;
        kept.answers.insert(key, answer);
    }
}

impl Default for KeptAnswers {
    fn default() -> Self {
        Self::new(DEFAULT_MIB)
    }
}

/// The answer to `asked` (showing `shows`) for the request: the one kept when it still
/// stands, else the one `read` renders, kept for next time.
pub async fn kept_or_read<E, F>(
    state: &AppState,
    ctx: &Ctx,
    asked: Asked,
    shows: Shows,
    read: impl FnOnce() -> F,
) -> Result<KeptAnswer, E>
where
    E: From<Error>,
    F: Future<Output = Result<KeptAnswer, E>>,
{
    let account = ctx.account_id;
    if let Some(kept) = state.kept.get(account, &asked, state.sb.now())
        && let Some(version) = kept.view_version
        && state.sb.kept_stands(ctx, shows, version).await?
    {
        return Ok(kept);
    }
    let answer = read().await?;
    state.kept.keep(account, asked, answer.clone());
    Ok(answer)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(version: Option<i64>, bytes: usize, until: Option<&str>) -> KeptAnswer {
        KeptAnswer {
            view_version: version,
            until: until.map(|t| t.parse().unwrap()),
            version: None,
            body: Bytes::from(vec![b'x'; bytes]),
        }
    }

    #[test]
    fn answers_are_kept_within_the_budget_and_until_their_time() {
        let kept = KeptAnswers::new(1);
        let (a, b) = (AccountId::new(), AccountId::new());
        let now: jiff::Timestamp = "2026-03-02T09:00:00Z".parse().unwrap();
        let asked = Asked::Users("department=x".into());
        kept.keep(a, asked.clone(), answer(Some(3), 100, None));
        assert_eq!(kept.get(a, &asked, now).unwrap().view_version, Some(3));
        assert!(kept.get(b, &asked, now).is_none(), "another account's");

        // Replaced by a newer read; an unversioned read is not kept.
        kept.keep(a, asked.clone(), answer(Some(4), 100, None));
        assert_eq!(kept.get(a, &asked, now).unwrap().view_version, Some(4));
        let other = Asked::Users("q=x".into());
        kept.keep(a, other.clone(), answer(None, 100, None));
        assert!(kept.get(a, &other, now).is_none());

        // Not sent at or past its time.
        let user = Asked::User(UserId::new());
        kept.keep(
            a,
            user.clone(),
            answer(Some(4), 10, Some("2026-03-02T10:00:00Z")),
        );
        assert!(kept.get(a, &user, now).is_some());
        let later: jiff::Timestamp = "2026-03-02T10:00:00Z".parse().unwrap();
        assert!(kept.get(a, &user, later).is_none());

        // Past 1 MiB every answer goes; one larger than the budget is never kept.
        kept.keep(
            a,
            Asked::Users("big".into()),
            answer(Some(4), 1024 * 1024 - 200, None),
        );
        assert!(kept.get(a, &asked, now).is_none(), "dropped with the rest");
        assert!(kept.get(a, &Asked::Users("big".into()), now).is_some());
        kept.keep(a, other.clone(), answer(Some(4), 2 * 1024 * 1024, None));
        assert!(kept.get(a, &other, now).is_none());
        assert!(KeptAnswers::new(0).get(a, &asked, now).is_none());
    }
}
