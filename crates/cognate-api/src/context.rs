/// What a request carries besides its input: who asked, from where, in which region.
#[derive(Debug, Clone, Default)]
pub struct RequestContext {
    /// The region named by the request's SigV4 credential scope, if it was signed.
    pub signed_region: Option<String>,
    /// The `x-amzn-RequestId` the response will carry.
    pub request_id: String,
    /// The address the request came from (the connection's peer), as device
    /// attributes and sign-in records report it.
    pub source_ip: Option<String>,
}
