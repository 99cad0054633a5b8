//! TagResource, UntagResource, ListTagsForResource. Only user pools are taggable; their
//! tags are the pool's UserPoolTags.

use crate::error::{fail, invalid, required, Result};
use crate::operations::operation;
use crate::pools::pool::load as load_pool;
use crate::service::Service;
use cognate_api::types::*;
use cognate_api::ErrorCode;

operation!(ListTagsForResource => Service::list_tags_for_resource);
operation!(TagResource => Service::tag_resource);
operation!(UntagResource => Service::untag_resource);

const MAX_TAGS: usize = 50;

/// The pool id named by a user pool ARN
/// (`arn:aws:cognito-idp:<region>:<account>:userpool/<id>`).
fn pool_id_of(arn: &str) -> Result<String> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    match parts.as_slice() {
        ["arn", _, "cognito-idp", region, _, resource] => {
            match resource.strip_prefix("userpool/") {
                Some(id) if id.starts_with(&format!("{region}_")) => Ok(id.to_string()),
                _ => Err(invalid(format!(
                    "Invalid ARN: {arn} is not a user pool ARN."
                ))),
            }
        }
        _ => Err(invalid(format!("Invalid ARN: {arn}"))),
    }
}

impl Service {
    pub(crate) async fn tag_resource(
        &self,
        input: TagResourceRequest,
    ) -> Result<TagResourceResponse> {
        let pool_id = pool_id_of(required(&input.resource_arn, "resourceArn")?)?;
        let tags = required(&input.tags, "tags")?.clone();
        self.edit_tags(pool_id, move |current| {
            current.extend(tags.clone());
            if current.len() > MAX_TAGS {
                return Err(fail(
                    ErrorCode::LimitExceededException,
                    format!("A user pool can have at most {MAX_TAGS} tags."),
                ));
            }
            Ok(())
        })
        .await?;
        Ok(TagResourceResponse {})
    }

    pub(crate) async fn untag_resource(
        &self,
        input: UntagResourceRequest,
    ) -> Result<UntagResourceResponse> {
        let pool_id = pool_id_of(required(&input.resource_arn, "resourceArn")?)?;
        let keys = required(&input.tag_keys, "tagKeys")?.clone();
        self.edit_tags(pool_id, move |current| {
            for k in &keys {
                current.remove(k);
            }
            Ok(())
        })
        .await?;
        Ok(UntagResourceResponse {})
    }

    pub(crate) async fn list_tags_for_resource(
        &self,
        input: ListTagsForResourceRequest,
    ) -> Result<ListTagsForResourceResponse> {
        let pool_id = pool_id_of(required(&input.resource_arn, "resourceArn")?)?;
        let (_, pool) = self.store().read(move |c| load_pool(c, &pool_id)).await?;
        Ok(ListTagsForResourceResponse {
            tags: Some(pool.user_pool_tags.unwrap_or_default()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_pool_arns_name_their_pool() {
        assert_eq!(
            pool_id_of("arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_abc")
                .unwrap(),
            "us-east-1_abc"
        );
        assert!(pool_id_of("arn:aws:s3:::bucket").is_err());
        assert!(
            pool_id_of("arn:aws:cognito-idp:us-east-1:000000000000:userpool/eu-west-1_abc")
                .is_err()
        );
    }
}
