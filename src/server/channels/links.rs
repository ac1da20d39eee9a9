//! Signed links to our files, for platforms that only take a file from a
//! public HTTPS address (LINE). A link names the account, the attachment
//! and when it expires, and is signed with a key derived from the server's
//! own secret key (never a platform's secret, which the platform knows):
//! `{public_url}/media/{account}/{attachment}/{expires}/{sig}`. The route
//! also checks the file was sent on that account, and a removed account's
//! links stop working.
//!
//! The route, [`serve`], needs no bearer token: the signature is the
//! authentication, and only a file sent on that account is served.
//! Anything wrong is a plain 404, so a link's parts cannot be probed one at
//! a time.

use crate::protocol::*;
use crate::server::error::{ApiError, ApiResult};
use crate::server::routes::attachments::file_response;
use crate::server::AppState;
use axum::extract::{Path, State};
use axum::response::Response;
use chrono::{DateTime, Utc};

/// How long a link works (LINE may fetch a file again when a customer
/// opens it later).
pub const LINK_DAYS: i64 = 30;

fn mac(key: &[u8], account: ChannelAccountId, attachment: AttachmentId, expires: i64) -> String {
    use hmac::{Hmac, Mac};
    let mut m =
        <Hmac<sha2::Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key length");
    m.update(format!("chatsmart-media:{account}:{attachment}:{expires}").as_bytes());
    hex::encode(&m.finalize().into_bytes()[..16])
}

/// The link to `attachment`, valid for [`LINK_DAYS`] from `now`.
pub fn sign(
    public_url: &str,
    key: &[u8],
    account: ChannelAccountId,
    attachment: AttachmentId,
    now: DateTime<Utc>,
) -> String {
    let expires = (now + chrono::Duration::days(LINK_DAYS)).timestamp();
    format!(
        "{}/media/{account}/{attachment}/{expires}/{}",
        public_url.trim_end_matches('/'),
        mac(key, account, attachment, expires)
    )
}

/// Whether a link's parts are ours and not expired at `now`.
pub fn verify(
    key: &[u8],
    account: ChannelAccountId,
    attachment: AttachmentId,
    expires: i64,
    sig: &str,
    now: DateTime<Utc>,
) -> bool {
    let want = mac(key, account, attachment, expires);
    let same: bool = subtle::ConstantTimeEq::ct_eq(want.as_bytes(), sig.as_bytes()).into();
    same && now.timestamp() < expires
}

/// `GET /media/{account}/{attachment}/{expires}/{sig}`: a file a platform
/// fetches by link.
pub async fn serve(
    State(state): State<AppState>,
    Path((account, attachment, expires, sig)): Path<(ChannelAccountId, AttachmentId, i64, String)>,
) -> ApiResult<Response> {
    let gone = || ApiError::not_found("no such file");
    if !verify(
        &state.link_key[..],
        account,
        attachment,
        expires,
        &sig,
        chrono::Utc::now(),
    ) {
        return Err(gone());
    }
    // Only then the database: a live LINE account that sent this file.
    if !matches!(
        state.store.channel_credentials(account).await?,
        Some((ChannelKind::Line, _))
    ) {
        return Err(gone());
    }
    if !state.store.attachment_sent_on(account, attachment).await? {
        return Err(gone());
    }
    file_response(&state, attachment).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_signed_per_account_and_expire() {
        let now = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let link = sign("https://chat.example.com/", b"s3cret", 4, 17, now);
        let parts: Vec<&str> = link.split('/').collect();
        assert_eq!(
            &parts[..6],
            ["https:", "", "chat.example.com", "media", "4", "17"]
        );
        let (expires, sig) = (parts[6].parse().unwrap(), parts[7]);
        assert!(verify(b"s3cret", 4, 17, expires, sig, now));
        assert!(!verify(b"other", 4, 17, expires, sig, now));
        assert!(!verify(b"s3cret", 4, 18, expires, sig, now));
        assert!(!verify(b"s3cret", 5, 17, expires, sig, now));
        let later = now + chrono::Duration::days(LINK_DAYS + 1);
        assert!(!verify(b"s3cret", 4, 17, expires, sig, later));
    }
}
