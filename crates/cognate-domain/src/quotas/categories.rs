//! AWS's request-rate categories of the user pools API: which category each operation
//! counts toward, each category's default (free) rate in requests per second, and
//! whether UpdateProvisionedLimit may raise it.

use cognate_api::Operation;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Category {
    UserAuthentication,
    UserCreation,
    UserFederation,
    UserAccountRecovery,
    UserRead,
    UserUpdate,
    UserResourceRead,
    UserResourceUpdate,
    UserList,
    UserPoolRead,
    UserPoolUpdate,
    UserPoolResourceRead,
    UserPoolResourceUpdate,
    UserPoolClientRead,
    UserPoolClientUpdate,
    UserToken,
    ClientAuthentication,
}

impl Category {
    pub(crate) const ALL: [Category; 17] = [
        Category::UserAuthentication,
        Category::UserCreation,
        Category::UserFederation,
        Category::UserAccountRecovery,
        Category::UserRead,
        Category::UserUpdate,
        Category::UserResourceRead,
        Category::UserResourceUpdate,
        Category::UserList,
        Category::UserPoolRead,
        Category::UserPoolUpdate,
        Category::UserPoolResourceRead,
        Category::UserPoolResourceUpdate,
        Category::UserPoolClientRead,
        Category::UserPoolClientUpdate,
        Category::UserToken,
        Category::ClientAuthentication,
    ];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Category::UserAuthentication => "UserAuthentication",
            Category::UserCreation => "UserCreation",
            Category::UserFederation => "UserFederation",
            Category::UserAccountRecovery => "UserAccountRecovery",
            Category::UserRead => "UserRead",
            Category::UserUpdate => "UserUpdate",
            Category::UserResourceRead => "UserResourceRead",
            Category::UserResourceUpdate => "UserResourceUpdate",
            Category::UserList => "UserList",
            Category::UserPoolRead => "UserPoolRead",
            Category::UserPoolUpdate => "UserPoolUpdate",
            Category::UserPoolResourceRead => "UserPoolResourceRead",
            Category::UserPoolResourceUpdate => "UserPoolResourceUpdate",
            Category::UserPoolClientRead => "UserPoolClientRead",
            Category::UserPoolClientUpdate => "UserPoolClientUpdate",
            Category::UserToken => "UserToken",
            Category::ClientAuthentication => "ClientAuthentication",
        }
    }

    pub(crate) fn from_name(name: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.name() == name)
    }

    /// The default rate, requests per second (AWS's "default quota").
    pub(crate) fn free_limit(self) -> i64 {
        match self {
            Category::UserAuthentication | Category::UserRead | Category::UserToken => 120,
            Category::UserCreation | Category::UserResourceRead => 50,
            Category::ClientAuthentication => 150,
            Category::UserFederation | Category::UserUpdate | Category::UserResourceUpdate => 25,
            Category::UserAccountRecovery | Category::UserList => 30,
            Category::UserPoolResourceRead => 20,
            Category::UserPoolRead
            | Category::UserPoolUpdate
            | Category::UserPoolResourceUpdate
            | Category::UserPoolClientRead
            | Category::UserPoolClientUpdate => 15,
        }
    }

    /// Whether the rate can be raised (AWS's "adjustable").
    pub(crate) fn adjustable(self) -> bool {
        matches!(
            self,
            Category::UserAuthentication
                | Category::UserCreation
                | Category::UserFederation
                | Category::UserRead
                | Category::UserResourceRead
                | Category::ClientAuthentication
        )
    }

    /// The categories whose every operation is also held to 5 requests per second per
    /// user pool.
    pub(crate) fn per_operation_cap(self) -> Option<i64> {
        matches!(
            self,
            Category::UserPoolResourceRead
                | Category::UserPoolResourceUpdate
                | Category::UserPoolClientRead
                | Category::UserPoolClientUpdate
        )
        .then_some(5)
    }
}

/// How an operation counts toward the rates: its category, and whether it is a
/// challenge answer (which has its own allowance of three times the category's rate
/// before it counts toward the category).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Counted {
    pub category: Category,
    pub challenge_answer: bool,
}

/// The category an operation counts toward; None for the two operations that manage the
/// limits themselves.
pub(crate) fn category_of(op: Operation) -> Option<Counted> {
    use Category::*;
    use Operation as O;
    let category = match op {
        O::GetProvisionedLimit | O::UpdateProvisionedLimit => return None,
        O::AdminRespondToAuthChallenge | O::RespondToAuthChallenge => {
            return Some(Counted {
                category: UserAuthentication,
                challenge_answer: true,
            })
        }
        O::AdminInitiateAuth | O::InitiateAuth | O::GetTokensFromRefreshToken => UserAuthentication,
        O::SignUp | O::ConfirmSignUp | O::AdminCreateUser | O::AdminConfirmSignUp => UserCreation,
        O::ChangePassword
        | O::ConfirmForgotPassword
        | O::ForgotPassword
        | O::AdminResetUserPassword
        | O::AdminSetUserPassword => UserAccountRecovery,
        O::AdminGetUser | O::GetUser | O::AdminGetUserAuthFactors | O::GetUserAuthFactors => {
            UserRead
        }
        O::AdminDeleteUser
        | O::AdminDeleteUserAttributes
        | O::AdminDisableProviderForUser
        | O::AdminDisableUser
        | O::AdminEnableUser
        | O::AdminLinkProviderForUser
        | O::AdminSetUserMFAPreference
        | O::AdminSetUserSettings
        | O::AdminUpdateUserAttributes
        | O::AdminUserGlobalSignOut
        | O::AdminDeleteSoftwareToken
        | O::AdminUpdateAuthEventFeedback
        | O::AdminRevokeUserSession
        | O::AssociateSoftwareToken
        | O::VerifySoftwareToken
        | O::DeleteUser
        | O::DeleteUserAttributes
        | O::GetUserAttributeVerificationCode
        | O::GlobalSignOut
        | O::ResendConfirmationCode
        | O::SetUserMFAPreference
        | O::SetUserSettings
        | O::UpdateUserAttributes
        | O::VerifyUserAttribute
        | O::UpdateAuthEventFeedback
        | O::RevokeUserSession
        | O::StartWebAuthnRegistration
        | O::CompleteWebAuthnRegistration
        | O::DeleteWebAuthnCredential => UserUpdate,
        O::AdminGetDevice
        | O::AdminListDevices
        | O::AdminListGroupsForUser
        | O::AdminListUserAuthEvents
        | O::AdminListUserSessions
        | O::GetDevice
        | O::ListDevices
        | O::ListUserSessions
        | O::ListWebAuthnCredentials => UserResourceRead,
        O::AdminAddUserToGroup
        | O::AdminRemoveUserFromGroup
        | O::AdminForgetDevice
        | O::AdminUpdateDeviceStatus
        | O::ConfirmDevice
        | O::ForgetDevice
        | O::UpdateDeviceStatus => UserResourceUpdate,
        O::ListUsers | O::ListUsersInGroup => UserList,
        O::DescribeUserPool
        | O::ListUserPools
        | O::GetUserPoolMfaConfig
        | O::GetUserPoolSessionConfiguration
        | O::GetLogDeliveryConfiguration
        | O::DescribeRiskConfiguration
        | O::ListUserPoolReplicas
        | O::DescribePointInTimeRecovery
        | O::ListPointInTimeRecoveries => UserPoolRead,
        O::CreateUserPool
        | O::UpdateUserPool
        | O::DeleteUserPool
        | O::AddCustomAttributes
        | O::SetUserPoolMfaConfig
        | O::SetUserPoolSessionConfiguration
        | O::SetLogDeliveryConfiguration
        | O::SetRiskConfiguration
        | O::CreateUserPoolReplica
        | O::UpdateUserPoolReplica
        | O::DeleteUserPoolReplica
        | O::InitiatePointInTimeRecovery
        | O::StartPointInTimeRecovery
        | O::CancelPointInTimeRecovery => UserPoolUpdate,
        O::DescribeIdentityProvider
        | O::DescribeResourceServer
        | O::DescribeUserImportJob
        | O::DescribeUserPoolDomain
        | O::GetCSVHeader
        | O::GetGroup
        | O::GetIdentityProviderByIdentifier
        | O::GetSigningCertificate
        | O::GetUICustomization
        | O::ListGroups
        | O::ListIdentityProviders
        | O::ListResourceServers
        | O::ListTagsForResource
        | O::ListUserImportJobs
        | O::DescribeManagedLoginBranding
        | O::DescribeManagedLoginBrandingByClient
        | O::DescribeTerms
        | O::DescribeTermsByClient
        | O::ListTerms
        | O::DescribeCIMDPolicy
        | O::ListCIMDPolicies
        | O::ListClientMetadataURLs => UserPoolResourceRead,
        O::CreateGroup
        | O::UpdateGroup
        | O::DeleteGroup
        | O::CreateIdentityProvider
        | O::UpdateIdentityProvider
        | O::DeleteIdentityProvider
        | O::CreateResourceServer
        | O::UpdateResourceServer
        | O::DeleteResourceServer
        | O::CreateUserImportJob
        | O::StartUserImportJob
        | O::StopUserImportJob
        | O::CreateUserPoolDomain
        | O::UpdateUserPoolDomain
        | O::DeleteUserPoolDomain
        | O::SetUICustomization
        | O::TagResource
        | O::UntagResource
        | O::CreateManagedLoginBranding
        | O::UpdateManagedLoginBranding
        | O::DeleteManagedLoginBranding
        | O::CreateTerms
        | O::UpdateTerms
        | O::DeleteTerms
        | O::CreateCIMDPolicy
        | O::UpdateCIMDPolicy
        | O::DeleteCIMDPolicy
        | O::UpdateClientMetadataURLState => UserPoolResourceUpdate,
        O::DescribeUserPoolClient
        | O::ListUserPoolClients
        | O::ListUserPoolClientSecrets
        | O::GetUserPoolClientSessionConfiguration => UserPoolClientRead,
        O::CreateUserPoolClient
        | O::UpdateUserPoolClient
        | O::DeleteUserPoolClient
        | O::AddUserPoolClientSecret
        | O::DeleteUserPoolClientSecret
        | O::SetUserPoolClientSessionConfiguration => UserPoolClientUpdate,
        O::RevokeToken | O::GetDerivedToken => UserToken,
        O::GetClientToken => ClientAuthentication,
    };
    Some(Counted {
        category,
        challenge_answer: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_defaults_are_aws() {
        for c in Category::ALL {
            assert_eq!(Category::from_name(c.name()), Some(c));
        }
        assert_eq!(Category::from_name("userauthentication"), None);
        assert_eq!(Category::UserAuthentication.free_limit(), 120);
        assert_eq!(Category::UserCreation.free_limit(), 50);
        assert!(!Category::UserUpdate.adjustable());
    }

    #[test]
    fn every_operation_but_the_limits_own_counts_somewhere() {
        let uncounted: Vec<_> = Operation::ALL
            .into_iter()
            .filter(|op| category_of(*op).is_none())
            .collect();
        assert_eq!(
            uncounted,
            [
                Operation::GetProvisionedLimit,
                Operation::UpdateProvisionedLimit
            ]
        );
    }
}
