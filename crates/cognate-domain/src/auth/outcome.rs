//! What a sign-in step answers, in the response type of each of the four operations.

use cognate_api::types::*;
use std::collections::BTreeMap;

/// What a sign-in step answers: tokens, or the next challenge.
#[derive(Default)]
pub(crate) struct Outcome {
    pub challenge_name: Option<ChallengeNameType>,
    pub session: Option<String>,
    pub challenge_parameters: Option<BTreeMap<String, String>>,
    pub authentication_result: Option<AuthenticationResultType>,
    /// SELECT_CHALLENGE: the first factors the user can choose among.
    pub available_challenges: Option<Vec<ChallengeNameType>>,
}

/// Each of the four sign-in operations answers an Outcome in its own response type.
macro_rules! outcome_into {
    ($($response:ty),*) => {$(
        impl From<Outcome> for $response {
            fn from(o: Outcome) -> Self {
                Self {
                    challenge_name: o.challenge_name,
                    session: o.session,
                    challenge_parameters: o.challenge_parameters,
                    authentication_result: o.authentication_result,
                    available_challenges: o.available_challenges,
                }
            }
        }
    )*};
}
outcome_into!(
    InitiateAuthResponse,
    AdminInitiateAuthResponse,
    RespondToAuthChallengeResponse,
    AdminRespondToAuthChallengeResponse
);
