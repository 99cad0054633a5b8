//! The errors of the OAuth endpoints: RFC 6749 §5.2's codes at the token endpoint, RFC
//! 7009's `unsupported_token_type` at revocation and RFC 6750's `invalid_token` at
//! userInfo, with the HTTP status AWS answers each with.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OAuthErrorCode {
    InvalidRequest,
    InvalidClient,
    InvalidGrant,
    UnauthorizedClient,
    UnsupportedGrantType,
    InvalidScope,
    /// RFC 8693: an unknown `resource` or `audience`.
    InvalidTarget,
    UnsupportedTokenType,
    InvalidToken,
    ServerError,
    /// Past the pool's request-rate quota (`--enforce-quotas`): 429.
    TooManyRequests,
}

impl OAuthErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            OAuthErrorCode::InvalidRequest => "invalid_request",
            OAuthErrorCode::InvalidClient => "invalid_client",
            OAuthErrorCode::InvalidGrant => "invalid_grant",
            OAuthErrorCode::UnauthorizedClient => "unauthorized_client",
            OAuthErrorCode::UnsupportedGrantType => "unsupported_grant_type",
            OAuthErrorCode::InvalidScope => "invalid_scope",
            OAuthErrorCode::InvalidTarget => "invalid_target",
            OAuthErrorCode::UnsupportedTokenType => "unsupported_token_type",
            OAuthErrorCode::InvalidToken => "invalid_token",
            OAuthErrorCode::ServerError => "server_error",
            OAuthErrorCode::TooManyRequests => "too_many_requests",
        }
    }

    /// 401 for failed client authentication and unusable bearer tokens, 500 for our own
    /// failures, 400 for the rest.
    pub fn status(self) -> u16 {
        match self {
            OAuthErrorCode::InvalidClient | OAuthErrorCode::InvalidToken => 401,
            OAuthErrorCode::ServerError => 500,
            OAuthErrorCode::TooManyRequests => 429,
            _ => 400,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthError {
    pub code: OAuthErrorCode,
    /// Said only where AWS says something (userInfo's `error_description`).
    pub description: Option<&'static str>,
}

impl OAuthError {
    pub fn new(code: OAuthErrorCode) -> Self {
        OAuthError {
            code,
            description: None,
        }
    }

    pub fn with(code: OAuthErrorCode, description: &'static str) -> Self {
        OAuthError {
            code,
            description: Some(description),
        }
    }
}

/// A failure of ours (the store, a key) while answering: logged where it happened,
/// answered `server_error`.
impl From<crate::error::Error> for OAuthError {
    fn from(e: crate::error::Error) -> Self {
        if e.0.code == cognate_api::ErrorCode::InternalErrorException {
            OAuthError::new(OAuthErrorCode::ServerError)
        } else {
            OAuthError::new(OAuthErrorCode::InvalidRequest)
        }
    }
}
