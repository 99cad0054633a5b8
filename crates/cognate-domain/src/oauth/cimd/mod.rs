//! Client ID metadata documents (CIMD): an external OAuth client names itself with an
//! `https` URL as its `client_id`, and the pool takes the JSON document at that URL as
//! its registration. A policy (`policies`: the seven operations) maps up to five URL
//! patterns (`pattern`) to one app client of the pool; `/oauth2/authorize` fetches a
//! matching URL's document through the service's `Upstream`, checks it and keeps it in
//! the store for the policy's CacheDuration or the answer's `max-age` (`document`), so
//! that every node shares the cache. The request then runs as the app client's, with
//! the document's redirect URIs and the grants both allow.

mod document;
mod pattern;
mod policies;

pub(crate) use document::CimdRefusal;
pub(crate) use pattern::is_metadata_url;
