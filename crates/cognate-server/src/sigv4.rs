//! What cognate reads of a SigV4 signature: the region of its credential scope
//! (`Credential=AKID/20240101/eu-west-1/cognito-idp/aws4_request`).

pub fn region(authorization: &str) -> Option<String> {
    let rest = authorization.strip_prefix("AWS4-HMAC-SHA256")?;
    let credential = rest
        .split(',')
        .map(str::trim)
        .find_map(|part| part.strip_prefix("Credential="))?;
    let mut scope = credential.split('/');
    let _key = scope.next()?;
    let _date = scope.next()?;
    let region = scope.next()?;
    (!region.is_empty()).then(|| region.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_credential_scope_names_the_region() {
        let h = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/eu-west-1/cognito-idp/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc";
        assert_eq!(region(h).as_deref(), Some("eu-west-1"));
        assert_eq!(region("Bearer x"), None);
    }
}
