//! How an app client's pages look and what they link to: hosted UI (classic) branding
//! (`ui_customization`, its style sheet and logo rules in `classic_css`), managed login
//! branding styles (`managed_login`), terms documents (`terms`), and what the hosted
//! pages take from them (`hosted_look`; on a managed login domain, `managed_look`).

mod classic_css;
mod hosted_look;
mod managed_login;
mod managed_look;
mod terms;
mod ui_customization;

pub use hosted_look::{HostedLook, Logo, TermsLinks};

use crate::error::Result;
use cognate_store::records::pool_object::{self, Kind};
use cognate_store::Conn;

/// Removes what an app client's pages had (the client is being deleted). A deleted
/// pool's go with all its objects.
pub(crate) fn forget_client(conn: &mut dyn Conn, pool_id: &str, client_id: &str) -> Result<()> {
    pool_object::delete(conn, pool_id, Kind::UiCustomization, client_id)?;
    managed_login::forget_client(conn, pool_id, client_id)?;
    terms::forget_client(conn, pool_id, client_id)
}
