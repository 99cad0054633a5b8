//! GetProvisionedLimit and UpdateProvisionedLimit: a category's rate in the request's
//! region, its default (the free limit) and the raised value, which must lie between the
//! default and the region's maximum (`MAX_FACTOR` times the default: cognate's stand-in
//! for the account's Service Quotas value). Only AWS's adjustable categories can be
//! raised; a raise applies at once on this node and within `REFRESH_SECONDS` on others.

use super::Category;
use crate::clock::now;
use crate::error::{fail, invalid, required, Result};
use crate::operations::operation;
use crate::service::Service;
use cognate_api::types::*;
use cognate_api::{ErrorCode, RequestContext};
use cognate_store::records::provisioned_limit::{self, ProvisionedLimitRow};
use std::collections::BTreeMap;

operation!(GetProvisionedLimit => Service::get_provisioned_limit, with_context);
operation!(UpdateProvisionedLimit => Service::update_provisioned_limit, with_context);

/// How far above its default a category's rate can be raised.
const MAX_FACTOR: i64 = 10;

/// The category a LimitDefinition names (class API_CATEGORY, attribute `Category`).
fn category_of(definition: &LimitDefinitionType) -> Result<Category> {
    let class = required(&definition.limit_class, "limitDefinition.limitClass")?;
    if class != &LimitClass::API_CATEGORY {
        return Err(invalid(format!(
            "Unsupported limit class: {}",
            class.as_str()
        )));
    }
    let attributes = required(&definition.attributes, "limitDefinition.attributes")?;
    if let Some(other) = attributes.keys().find(|k| k.as_str() != "Category") {
        return Err(invalid(format!(
            "Unsupported attribute for limit class API_CATEGORY: {other}"
        )));
    }
    let Some(name) = attributes.get("Category") else {
        return Err(invalid(
            "The attribute Category is required for limit class API_CATEGORY.",
        ));
    };
    Category::from_name(name).ok_or_else(|| invalid(format!("Unknown API category: {name}")))
}

fn answer(category: Category, value: i64) -> LimitType {
    LimitType {
        limit_definition: Some(LimitDefinitionType {
            limit_class: Some(LimitClass::API_CATEGORY),
            attributes: Some(BTreeMap::from([(
                "Category".to_string(),
                category.name().to_string(),
            )])),
        }),
        provisioned_limit_value: Some(value as i32),
        free_limit_value: Some(category.free_limit() as i32),
    }
}

impl Service {
    pub(crate) async fn get_provisioned_limit(
        &self,
        ctx: &RequestContext,
        input: GetProvisionedLimitRequest,
    ) -> Result<GetProvisionedLimitResponse> {
        let category = category_of(required(&input.limit_definition, "limitDefinition")?)?;
        let region = self.request_region(ctx);
        let value = self
            .store()
            .read(move |c| {
                Ok::<_, crate::error::Error>(provisioned_limit::get(c, &region, category.name())?)
            })
            .await?
            .unwrap_or_else(|| category.free_limit());
        Ok(GetProvisionedLimitResponse {
            limit: Some(answer(category, value)),
        })
    }

    pub(crate) async fn update_provisioned_limit(
        &self,
        ctx: &RequestContext,
        input: UpdateProvisionedLimitRequest,
    ) -> Result<UpdateProvisionedLimitResponse> {
        let category = category_of(required(&input.limit_definition, "limitDefinition")?)?;
        let value = i64::from(*required(
            &input.requested_limit_value,
            "requestedLimitValue",
        )?);
        if !category.adjustable() {
            return Err(invalid(format!(
                "The limit for API category {} is not adjustable.",
                category.name()
            )));
        }
        let free = category.free_limit();
        if value < free {
            return Err(invalid(format!(
                "The requested limit value {value} is below the default limit of {free} for API category {}.",
                category.name()
            )));
        }
        let max = free * MAX_FACTOR;
        if value > max {
            return Err(fail(
                ErrorCode::ServiceQuotaExceededException,
                format!(
                    "The requested limit value {value} exceeds the maximum limit of {max} for API category {}.",
                    category.name()
                ),
            ));
        }
        let region = self.request_region(ctx);
        let row = ProvisionedLimitRow {
            region: region.clone(),
            category: category.name().to_string(),
            value,
        };
        self.store()
            .write(move |c| Ok::<_, crate::error::Error>(provisioned_limit::put(c, &row, now())?))
            .await?;
        self.quotas().set_raised(&region, category, value);
        Ok(UpdateProvisionedLimitResponse {
            limit: Some(answer(category, value)),
        })
    }
}
