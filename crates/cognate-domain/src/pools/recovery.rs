//! Point-in-time recovery: Initiate/Start/Cancel/DescribePointInTimeRecovery and
//! ListPointInTimeRecoveries. The store's triggers keep the before-image of every change
//! of a pool's user data (`pool_history`); a recovery rebuilds the users (attributes,
//! status, MFA settings), groups, group memberships and passkeys as they were at its
//! RestoreTimestamp, as AWS restores user data and not the pool's configuration (app
//! clients, schema, settings). A user who exists now and then keeps their current
//! password, as AWS says.
//!
//! Initiating records the recovery as PREVIEW_GENERATING and pauses writes of the pool's
//! user data (the triggers refuse them while the recovery's `paused_until` is ahead);
//! a background step counts what the recovery would create, update and delete
//! (PREVIEW_GENERATED). Starting it (RESTORING) applies the before-images in one write
//! that also completes it (RESTORE_COMPLETED), lifts the pause and bumps the pool's
//! version. A preview neither started nor cancelled within 24 hours expires. Each step
//! checks the recovery's status in its own write, so `advance_recoveries`, run at start
//! and every 10 seconds, finishes on any node what a stopped node left.

use crate::clock::now;
use crate::error::{fail, invalid, required, Error, Result};
use crate::operations::operation;
use crate::pagination;
use crate::pools::cache::PoolCache;
use crate::pools::pool::load as load_pool;
use crate::pools::PoolView;
use crate::service::Service;
use crate::stored::{from_doc, to_doc};
use crate::users::record::{index_entries, UserDoc};
use cognate_api::types::*;
use cognate_api::ErrorCode;
use cognate_store::records::point_in_time_recovery::{self as records, Change, RecoveryRow};
use cognate_store::records::pool_object::{self, Kind};
use cognate_store::records::user::{self, UserRow};
use cognate_store::records::user_import_job;
use cognate_store::records::webauthn_credential::{self, WebAuthnCredentialRow};
use cognate_store::Conn;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use std::collections::BTreeSet;

operation!(InitiatePointInTimeRecovery => Service::initiate_point_in_time_recovery);
operation!(StartPointInTimeRecovery => Service::start_point_in_time_recovery);
operation!(CancelPointInTimeRecovery => Service::cancel_point_in_time_recovery);
operation!(DescribePointInTimeRecovery => Service::describe_point_in_time_recovery);
operation!(ListPointInTimeRecoveries => Service::list_point_in_time_recoveries);

const DAY: f64 = 86_400.0;
/// How far back a recovery reaches: a day with the Essentials plan, 14 with Plus.
const ESSENTIALS_PERIOD: f64 = DAY;
const PLUS_PERIOD: f64 = 14.0 * DAY;
/// History is kept for the longest period, and a day more for recoveries in progress.
pub(crate) const HISTORY_KEPT: f64 = PLUS_PERIOD + DAY;
/// A preview not started or cancelled within this time after initiation expires.
const PREVIEW_LIFETIME: f64 = DAY;
/// While restoring, writes stay paused until the restore's write lifts the pause.
const PAUSED_FOR_GOOD: f64 = 1.0e15;
/// AWS's limits: recovery previews per pool in 24 hours and in 30 days, completed
/// recoveries per pool in 24 hours, recoveries in progress in the account.
const PREVIEWS_PER_DAY: usize = 3;
const PREVIEWS_PER_30_DAYS: usize = 10;
const ACTIVE_IN_ACCOUNT: usize = 5;

type Status = RestoreStatusType;

/// The entities of the preview, in AWS's words.
const USERS: &str = "Users";
const GROUPS: &str = "Groups";
const USER_MFAS: &str = "User MFAs";
const PASSKEYS: &str = "Passkeys";

#[derive(Debug, Clone, Serialize, Deserialize)]
struct RecoveryDoc {
    restore_timestamp: f64,
    trigger_timestamp: f64,
    expires_at: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    preview: Option<Vec<Count>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    completed_at: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct Count {
    entity: String,
    create: i64,
    update: i64,
    delete: i64,
}

struct Recovery {
    row: RecoveryRow,
    doc: RecoveryDoc,
}

impl Recovery {
    fn read(row: RecoveryRow) -> Result<Recovery> {
        let doc = from_doc(&row.doc)?;
        Ok(Recovery { row, doc })
    }

    /// The status as of `t`: a preview past its 24 hours has expired.
    fn status(&self, t: f64) -> Status {
        let status = Status::from(self.row.status.clone());
        if (status == Status::PREVIEW_GENERATING || status == Status::PREVIEW_GENERATED)
            && t >= self.doc.expires_at
        {
            Status::PREVIEW_EXPIRED
        } else {
            status
        }
    }

    fn is_active(&self, t: f64) -> bool {
        let s = self.status(t);
        s == Status::PREVIEW_GENERATING || s == Status::PREVIEW_GENERATED || s == Status::RESTORING
    }

    fn save(&mut self, c: &mut dyn Conn, status: Status, paused_until: f64) -> Result<()> {
        self.row.status = status.as_str().to_string();
        self.row.paused_until = paused_until;
        self.row.doc = to_doc(&self.doc)?;
        records::update(c, &self.row)?;
        Ok(())
    }

    fn describe(&self, t: f64) -> RestorationType {
        RestorationType {
            restore_id: Some(self.row.restore_id.clone()),
            restore_status: Some(self.status(t)),
            restore_timestamp: Some(self.doc.restore_timestamp),
            trigger_timestamp: Some(self.doc.trigger_timestamp),
            restore_preview: self.doc.preview.as_ref().map(|counts| {
                counts
                    .iter()
                    .map(|n| RestorePreviewType {
                        entity: Some(n.entity.clone()),
                        create_count: Some(n.create),
                        update_count: Some(n.update),
                        delete_count: Some(n.delete),
                    })
                    .collect()
            }),
        }
    }
}

fn not_found() -> Error {
    fail(
        ErrorCode::ResourceNotFoundException,
        "The point-in-time recovery does not exist.",
    )
}

/// The pool, which must be on the Essentials or Plus plan; answers its recovery period.
fn recovery_period(c: &mut dyn Conn, pool_id: &str) -> Result<(f64, f64)> {
    let (row, pool) = load_pool(c, pool_id)?;
    let period = match pool.user_pool_tier.unwrap_or(UserPoolTierType::ESSENTIALS) {
        t if t == UserPoolTierType::LITE => {
            return Err(fail(
                ErrorCode::FeatureUnavailableInTierException,
                "Point-in-time recovery is not available in the LITE tier. \
                 Use the Essentials or Plus feature plan.",
            ))
        }
        t if t == UserPoolTierType::PLUS => PLUS_PERIOD,
        _ => ESSENTIALS_PERIOD,
    };
    Ok((period, row.created_at))
}

fn find(c: &mut dyn Conn, pool_id: &str, restore_id: &str) -> Result<Recovery> {
    let row = records::get(c, pool_id, restore_id)?.ok_or_else(not_found)?;
    Recovery::read(row)
}

/// What a recovery changes: the entities it creates, updates and deletes, and how.
#[derive(Default)]
struct Plan {
    users: Vec<UserStep>,
    groups: Vec<(String, Option<(f64, String)>)>,
    members: Vec<(String, String, Option<f64>)>,
    passkeys: Vec<(String, String, Option<WebAuthnCredentialRow>)>,
    counts: Vec<Count>,
}

enum UserStep {
    Delete(String),
    Insert(UserRow),
    Replace(UserRow),
    Update(UserRow),
}

fn count<'a>(counts: &'a mut Vec<Count>, entity: &str) -> &'a mut Count {
    if let Some(i) = counts.iter().position(|n| n.entity == entity) {
        return &mut counts[i];
    }
    counts.push(Count {
        entity: entity.to_string(),
        ..Count::default()
    });
    let last = counts.len() - 1;
    &mut counts[last]
}

/// Tallies a change of one entity from `past` (at the recovery point) to `current`.
fn tally<T: PartialEq>(counts: &mut Vec<Count>, entity: &str, past: Option<T>, current: Option<T>) {
    let n = count(counts, entity);
    match (past, current) {
        (Some(_), None) => n.create += 1,
        (None, Some(_)) => n.delete += 1,
        (Some(a), Some(b)) if a != b => n.update += 1,
        _ => {}
    }
}

/// A before-image's columns.
fn image(before: &Option<String>) -> Result<Option<Json>> {
    before
        .as_deref()
        .map(|b| serde_json::from_str(b).map_err(|_| crate::error::internal("bad history row")))
        .transpose()
}

fn text(v: &Json, name: &str) -> String {
    v.get(name)
        .and_then(Json::as_str)
        .unwrap_or_default()
        .to_string()
}

fn real(v: &Json, name: &str) -> f64 {
    v.get(name).and_then(Json::as_f64).unwrap_or_default()
}

/// The entity key of a membership or passkey: a JSON array of two strings.
fn pair(key: &str) -> Result<(String, String)> {
    let v: Vec<String> =
        serde_json::from_str(key).map_err(|_| crate::error::internal("bad history key"))?;
    match v.as_slice() {
        [a, b] => Ok((a.clone(), b.clone())),
        _ => Err(crate::error::internal("bad history key")),
    }
}

/// A user's MFA settings where they have any, for the preview's `User MFAs`.
fn mfa(doc: &Json) -> Option<Json> {
    let m = doc.get("mfa")?;
    let on = |k: &str| m.get(k).and_then(Json::as_bool).unwrap_or(false);
    (on("sms_enabled")
        || on("totp_enabled")
        || on("email_enabled")
        || m.get("software_token").is_some())
    .then(|| m.clone())
}

fn parse(doc: &str) -> Result<Json> {
    serde_json::from_str(doc).map_err(|_| crate::error::internal("bad user document"))
}

/// Works out, from the history since the recovery point, what the recovery changes.
fn plan(c: &mut dyn Conn, pool_id: &str, restore_timestamp: f64) -> Result<Plan> {
    let mut plan = Plan::default();
    for name in [USERS, GROUPS, USER_MFAS, PASSKEYS] {
        count(&mut plan.counts, name);
    }
    let mut touched_groups = BTreeSet::new();
    for Change {
        entity,
        key,
        before,
    } in records::first_changes_since(c, pool_id, restore_timestamp)?
    {
        let past = image(&before)?;
        match entity.as_str() {
            "user" => {
                let current = user::get(c, pool_id, &key)?;
                let past_row = past.as_ref().map(|p| UserRow {
                    pool_id: pool_id.to_string(),
                    username_key: key.clone(),
                    username: text(p, "username"),
                    sub: text(p, "sub"),
                    status: text(p, "status"),
                    enabled: p.get("enabled").and_then(Json::as_i64).unwrap_or(1) != 0,
                    created_at: real(p, "created_at"),
                    updated_at: real(p, "updated_at"),
                    doc: text(p, "doc"),
                });
                let past_doc = past_row.as_ref().map(|r| parse(&r.doc)).transpose()?;
                let current_doc = current.as_ref().map(|r| parse(&r.doc)).transpose()?;
                tally(
                    &mut plan.counts,
                    USER_MFAS,
                    past_doc.as_ref().and_then(mfa),
                    current_doc.as_ref().and_then(mfa),
                );
                match (past_row, current) {
                    (None, None) => {}
                    (None, Some(_)) => {
                        count(&mut plan.counts, USERS).delete += 1;
                        plan.users.push(UserStep::Delete(key));
                    }
                    (Some(p), None) => {
                        count(&mut plan.counts, USERS).create += 1;
                        plan.users.push(UserStep::Insert(p));
                    }
                    (Some(p), Some(now_row)) if p.sub != now_row.sub => {
                        count(&mut plan.counts, USERS).update += 1;
                        plan.users.push(UserStep::Replace(p));
                    }
                    (Some(mut p), Some(now_row)) => {
                        // The current password stays, as AWS keeps a password changed
                        // after the recovery point.
                        let mut doc: UserDoc = from_doc(&p.doc)?;
                        let now_doc: UserDoc = from_doc(&now_row.doc)?;
                        doc.password = now_doc.password;
                        p.doc = to_doc(&doc)?;
                        let same = p.username == now_row.username
                            && p.status == now_row.status
                            && p.enabled == now_row.enabled
                            && parse(&p.doc)? == parse(&now_row.doc)?;
                        if !same {
                            count(&mut plan.counts, USERS).update += 1;
                            plan.users.push(UserStep::Update(p));
                        }
                    }
                }
            }
            "group" => {
                let current = pool_object::get(c, pool_id, Kind::Group, &key)?;
                let past = past.map(|p| (real(&p, "created_at"), text(&p, "doc")));
                let changed = match (&past, &current) {
                    (Some((_, a)), Some(b)) => parse(a)? != parse(&b.doc)?,
                    (None, None) => false,
                    _ => true,
                };
                tally(
                    &mut plan.counts,
                    GROUPS,
                    past.as_ref().map(|_| ()),
                    current.as_ref().map(|_| ()),
                );
                if changed {
                    if past.is_some() && current.is_some() {
                        count(&mut plan.counts, GROUPS).update += 1;
                    }
                    touched_groups.insert(key.clone());
                    plan.groups.push((key, past));
                }
            }
            "group_member" => {
                let (group, member) = pair(&key)?;
                let current = records::is_member(c, pool_id, &group, &member)?;
                let past = past.map(|p| real(&p, "created_at"));
                if past.is_some() != current {
                    plan.members.push((group, member, past));
                }
            }
            "passkey" => {
                let (member, credential) = pair(&key)?;
                let current = webauthn_credential::get(c, pool_id, &member, &credential)?;
                let past = past.map(|p| WebAuthnCredentialRow {
                    pool_id: pool_id.to_string(),
                    username_key: member.clone(),
                    credential_id: credential.clone(),
                    created_at: real(&p, "created_at"),
                    doc: text(&p, "doc"),
                });
                let changed = match (&past, &current) {
                    (Some(a), Some(b)) => parse(&a.doc)? != parse(&b.doc)?,
                    (None, None) => false,
                    _ => true,
                };
                if changed {
                    tally(
                        &mut plan.counts,
                        PASSKEYS,
                        past.as_ref().map(|_| ()),
                        current.as_ref().map(|_| ()),
                    );
                    if past.is_some() && current.is_some() {
                        count(&mut plan.counts, PASSKEYS).update += 1;
                    }
                    plan.passkeys.push((member, credential, past));
                }
            }
            _ => {}
        }
    }
    // A group whose members change is updated, unless it is created or deleted anyway.
    let member_groups: BTreeSet<String> = plan.members.iter().map(|(g, _, _)| g.clone()).collect();
    for group in member_groups.difference(&touched_groups) {
        if pool_object::get(c, pool_id, Kind::Group, group)?.is_some() {
            count(&mut plan.counts, GROUPS).update += 1;
        }
    }
    Ok(plan)
}

/// Applies the plan: the users first (deleting one takes their memberships and
/// passkeys), then groups, memberships and passkeys as they were.
fn apply(c: &mut dyn Conn, pool: &PoolView, plan: Plan) -> Result<()> {
    let pool_id = pool.id.as_str();
    for step in plan.users {
        match step {
            UserStep::Delete(key) => {
                user::delete(c, pool_id, &key)?;
            }
            UserStep::Insert(row) => {
                let doc: UserDoc = from_doc(&row.doc)?;
                user::insert(c, &row, &index_entries(pool, &row, &doc))?;
            }
            UserStep::Replace(row) => {
                user::delete(c, pool_id, &row.username_key)?;
                let doc: UserDoc = from_doc(&row.doc)?;
                user::insert(c, &row, &index_entries(pool, &row, &doc))?;
            }
            UserStep::Update(row) => {
                let doc: UserDoc = from_doc(&row.doc)?;
                user::update(c, &row, &index_entries(pool, &row, &doc))?;
            }
        }
    }
    for (name, past) in plan.groups {
        match past {
            Some((created_at, doc)) => records::restore_group(c, pool_id, &name, created_at, &doc)?,
            None => {
                pool_object::delete(c, pool_id, Kind::Group, &name)?;
            }
        }
    }
    for (group, member, past) in plan.members {
        match past {
            Some(created_at) => {
                if user::get(c, pool_id, &member)?.is_some() {
                    records::restore_member(c, pool_id, &group, &member, created_at)?;
                }
            }
            None => {
                cognate_store::records::group_member::remove(c, pool_id, &group, &member)?;
            }
        }
    }
    for (member, credential, past) in plan.passkeys {
        match past {
            Some(row) => {
                if user::get(c, pool_id, &member)?.is_some() {
                    webauthn_credential::put(c, &row)?;
                }
            }
            None => {
                webauthn_credential::delete(c, pool_id, &member, &credential)?;
            }
        }
    }
    records::bump_pool_version(c, pool_id)?;
    Ok(())
}

/// One step of a recovery in progress, in one write: its preview, or its restore.
/// Does nothing where the recovery has moved on (another node took the step).
fn step(c: &mut dyn Conn, cache: &PoolCache, pool_id: &str, restore_id: &str) -> Result<()> {
    let Some(row) = records::get(c, pool_id, restore_id)? else {
        return Ok(());
    };
    let mut recovery = Recovery::read(row)?;
    let t = now();
    let status = recovery.status(t);
    if status == Status::PREVIEW_EXPIRED && recovery.row.status != status.as_str() {
        return recovery.save(c, Status::PREVIEW_EXPIRED, 0.0);
    }
    if status == Status::PREVIEW_GENERATING {
        let plan = plan(c, pool_id, recovery.doc.restore_timestamp)?;
        recovery.doc.preview = Some(plan.counts);
        let paused = recovery.row.paused_until;
        return recovery.save(c, Status::PREVIEW_GENERATED, paused);
    }
    if status == Status::RESTORING {
        // The restore's own changes pass the triggers: the pause ends in this write.
        recovery.save(c, Status::RESTORING, 0.0)?;
        let pool = PoolView::load(c, cache, pool_id)?;
        let plan = plan(c, pool_id, recovery.doc.restore_timestamp)?;
        apply(c, &pool, plan)?;
        recovery.doc.completed_at = Some(t);
        return recovery.save(c, Status::RESTORE_COMPLETED, 0.0);
    }
    Ok(())
}

/// Refuses what cannot start during a recovery of the pool (user import jobs, as AWS).
pub(crate) fn ensure_none_in_progress(c: &mut dyn Conn, pool_id: &str) -> Result<()> {
    let t = now();
    for row in records::created_since(c, pool_id, t - PREVIEW_LIFETIME - 30.0 * DAY)? {
        if Recovery::read(row)?.is_active(t) {
            return Err(fail(
                ErrorCode::ConcurrentModificationException,
                "A point-in-time recovery of the user pool is in progress: start import jobs \
                 after it ends.",
            ));
        }
    }
    Ok(())
}

/// Persists the expiry of previews past their 24 hours (writes resume).
pub(crate) fn expire(c: &mut dyn Conn, t: f64) -> Result<()> {
    for row in records::with_status(
        c,
        &[
            Status::PREVIEW_GENERATING.as_str(),
            Status::PREVIEW_GENERATED.as_str(),
        ],
    )? {
        let mut recovery = Recovery::read(row)?;
        if recovery.status(t) == Status::PREVIEW_EXPIRED {
            recovery.save(c, Status::PREVIEW_EXPIRED, 0.0)?;
        }
    }
    records::purge_history(c, t - HISTORY_KEPT)?;
    Ok(())
}

impl Service {
    pub(crate) async fn initiate_point_in_time_recovery(
        &self,
        input: InitiatePointInTimeRecoveryRequest,
    ) -> Result<InitiatePointInTimeRecoveryResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let restore_timestamp = *required(&input.restore_timestamp, "restoreTimestamp")?;
        let min_age = self.config().recovery_min_age_seconds;
        let restore_id = uuid::Uuid::new_v4().to_string();
        let recovery = self
            .store()
            .write(move |c| {
                let (period, created_at) = recovery_period(c, &pool_id)?;
                let t = now();
                if restore_timestamp > t - min_age {
                    return Err(invalid(format!(
                        "RestoreTimestamp must be at least {} minutes in the past.",
                        (min_age / 60.0).round()
                    )));
                }
                if restore_timestamp < t - period {
                    return Err(invalid(
                        "RestoreTimestamp must be within the recovery period of the user pool's \
                         feature plan: 1 day with the Essentials feature plan, 14 days with the \
                         Plus feature plan.",
                    ));
                }
                if restore_timestamp < created_at {
                    return Err(invalid(
                        "RestoreTimestamp can't be earlier than the creation time of the user pool.",
                    ));
                }
                let recent = records::created_since(c, &pool_id, t - 30.0 * DAY)?
                    .into_iter()
                    .map(Recovery::read)
                    .collect::<Result<Vec<_>>>()?;
                if recent.iter().any(|r| r.is_active(t)) {
                    return Err(fail(
                        ErrorCode::ConcurrentModificationException,
                        "A point-in-time recovery of the user pool is already in progress.",
                    ));
                }
                let importing = user_import_job::with_status(c, &["Pending", "InProgress", "Stopping"])?;
                if importing.iter().any(|j| j.pool_id == pool_id) {
                    return Err(fail(
                        ErrorCode::ConcurrentModificationException,
                        "A user import job is in progress in the user pool. Wait for it to \
                         complete, or stop it, then initiate the recovery.",
                    ));
                }
                if recent
                    .iter()
                    .any(|r| r.doc.completed_at.is_some_and(|done| done > t - DAY))
                {
                    return Err(fail(
                        ErrorCode::LimitExceededException,
                        "You can complete one recovery of a user pool in a 24-hour period.",
                    ));
                }
                let last_day = recent.iter().filter(|r| r.row.created_at > t - DAY).count();
                if last_day >= PREVIEWS_PER_DAY || recent.len() >= PREVIEWS_PER_30_DAYS {
                    return Err(fail(
                        ErrorCode::LimitExceededException,
                        "You can create up to three recovery previews of a user pool in a \
                         24-hour period, and up to ten in a 30-day period.",
                    ));
                }
                let active_anywhere = records::with_status(
                    c,
                    &[
                        Status::PREVIEW_GENERATING.as_str(),
                        Status::PREVIEW_GENERATED.as_str(),
                        Status::RESTORING.as_str(),
                    ],
                )?
                .into_iter()
                .map(Recovery::read)
                .collect::<Result<Vec<_>>>()?
                .iter()
                .filter(|r| r.is_active(t))
                .count();
                if active_anywhere >= ACTIVE_IN_ACCOUNT {
                    return Err(fail(
                        ErrorCode::LimitExceededException,
                        "An account can have up to five point-in-time recoveries in progress.",
                    ));
                }
                let doc = RecoveryDoc {
                    restore_timestamp,
                    trigger_timestamp: t,
                    expires_at: t + PREVIEW_LIFETIME,
                    preview: None,
                    completed_at: None,
                };
                let row = RecoveryRow {
                    pool_id: pool_id.clone(),
                    restore_id: restore_id.clone(),
                    created_at: t,
                    status: Status::PREVIEW_GENERATING.as_str().to_string(),
                    paused_until: doc.expires_at,
                    doc: to_doc(&doc)?,
                };
                records::insert(c, &row)?;
                // Two initiations at once both update the pool's row, so that on
                // PostgreSQL one is rerun and finds the other's recovery in progress.
                records::bump_pool_version(c, &pool_id)?;
                Ok(Recovery { row, doc })
            })
            .await?;
        self.advance_in_background(&recovery.row);
        Ok(InitiatePointInTimeRecoveryResponse {
            restoration: Some(recovery.describe(now())),
        })
    }

    pub(crate) async fn start_point_in_time_recovery(
        &self,
        input: StartPointInTimeRecoveryRequest,
    ) -> Result<StartPointInTimeRecoveryResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let restore_id = required(&input.restore_id, "restoreId")?.clone();
        let recovery = self
            .store()
            .write(move |c| {
                recovery_period(c, &pool_id)?;
                let mut recovery = find(c, &pool_id, &restore_id)?;
                let status = recovery.status(now());
                if status != Status::PREVIEW_GENERATED {
                    return Err(invalid(format!(
                        "A recovery can be started only when its status is PREVIEW_GENERATED; \
                         its status is {}.",
                        status.as_str()
                    )));
                }
                recovery.save(c, Status::RESTORING, PAUSED_FOR_GOOD)?;
                Ok(recovery)
            })
            .await?;
        self.advance_in_background(&recovery.row);
        Ok(StartPointInTimeRecoveryResponse {
            restoration: Some(recovery.describe(now())),
        })
    }

    pub(crate) async fn cancel_point_in_time_recovery(
        &self,
        input: CancelPointInTimeRecoveryRequest,
    ) -> Result<CancelPointInTimeRecoveryResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let restore_id = required(&input.restore_id, "restoreId")?.clone();
        let recovery = self
            .store()
            .write(move |c| {
                recovery_period(c, &pool_id)?;
                let mut recovery = find(c, &pool_id, &restore_id)?;
                let status = recovery.status(now());
                if status != Status::PREVIEW_GENERATING && status != Status::PREVIEW_GENERATED {
                    return Err(invalid(format!(
                        "A recovery can be canceled only when its status is PREVIEW_GENERATING \
                         or PREVIEW_GENERATED; its status is {}.",
                        status.as_str()
                    )));
                }
                recovery.doc.preview = None;
                recovery.save(c, Status::PREVIEW_CANCELLED, 0.0)?;
                Ok(recovery)
            })
            .await?;
        Ok(CancelPointInTimeRecoveryResponse {
            restoration: Some(recovery.describe(now())),
        })
    }

    pub(crate) async fn describe_point_in_time_recovery(
        &self,
        input: DescribePointInTimeRecoveryRequest,
    ) -> Result<DescribePointInTimeRecoveryResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let restore_id = required(&input.restore_id, "restoreId")?.clone();
        let recovery = self
            .store()
            .read(move |c| {
                recovery_period(c, &pool_id)?;
                find(c, &pool_id, &restore_id)
            })
            .await?;
        Ok(DescribePointInTimeRecoveryResponse {
            restoration: Some(recovery.describe(now())),
        })
    }

    pub(crate) async fn list_point_in_time_recoveries(
        &self,
        input: ListPointInTimeRecoveriesRequest,
    ) -> Result<ListPointInTimeRecoveriesResponse> {
        let pool_id = required(&input.user_pool_id, "userPoolId")?.clone();
        let limit = pagination::limit(input.max_results, 60);
        // The position is the last recovery's creation time and id.
        let after = match pagination::decode(input.next_token.as_ref())? {
            None => None,
            Some(p) => Some(
                p.split_once('\u{0}')
                    .and_then(|(t, id)| Some((t.parse::<f64>().ok()?, id.to_string())))
                    .ok_or_else(|| invalid("Invalid pagination token."))?,
            ),
        };
        let (recoveries, more) = self
            .store()
            .read(move |c| {
                recovery_period(c, &pool_id)?;
                let after = after.as_ref().map(|(t, id)| (*t, id.as_str()));
                let (rows, more) = records::list(c, &pool_id, after, limit)?;
                let recoveries = rows
                    .into_iter()
                    .map(Recovery::read)
                    .collect::<Result<Vec<_>>>()?;
                Ok::<_, Error>((recoveries, more))
            })
            .await?;
        let token = recoveries
            .last()
            .filter(|_| more)
            .map(|r| pagination::encode(&format!("{}\u{0}{}", r.row.created_at, r.row.restore_id)));
        let t = now();
        Ok(ListPointInTimeRecoveriesResponse {
            restorations: Some(
                recoveries
                    .iter()
                    .map(|r| RestorationDescriptionType {
                        restore_id: Some(r.row.restore_id.clone()),
                        restore_status: Some(r.status(t)),
                        restore_timestamp: Some(r.doc.restore_timestamp),
                    })
                    .collect(),
            ),
            next_token: token,
        })
    }

    /// Takes the recovery's next step in a background task, after the answer.
    fn advance_in_background(&self, row: &RecoveryRow) {
        let service = self.clone();
        let (pool_id, restore_id) = (row.pool_id.clone(), row.restore_id.clone());
        tokio::spawn(async move {
            if let Err(e) = service.advance(pool_id, restore_id).await {
                tracing::warn!(error = %e.0.message, "a point-in-time recovery step failed");
            }
        });
    }

    /// A preview that cannot be made fails (PREVIEW_GENERATION_FAILED: writes resume and
    /// a new recovery may be initiated). A restore that fails is tried again at the next
    /// round: it is one write, so nothing of it is applied until it succeeds.
    async fn advance(&self, pool_id: String, restore_id: String) -> Result<()> {
        let cache = self.pool_cache();
        let (p, r) = (pool_id.clone(), restore_id.clone());
        let outcome = self.store().write(move |c| step(c, &cache, &p, &r)).await;
        if outcome.is_err() {
            self.store()
                .write(move |c| {
                    let Some(row) = records::get(c, &pool_id, &restore_id)? else {
                        return Ok(());
                    };
                    let mut recovery = Recovery::read(row)?;
                    if recovery.status(now()) == Status::PREVIEW_GENERATING {
                        recovery.save(c, Status::PREVIEW_GENERATION_FAILED, 0.0)?;
                    }
                    Ok::<_, Error>(())
                })
                .await?;
        }
        outcome
    }

    /// Takes the next step of every recovery left generating its preview or restoring
    /// (by a node that stopped); run at start and now and then.
    pub async fn advance_recoveries(&self) -> std::result::Result<(), cognate_api::ApiError> {
        let pending = self
            .store()
            .read(|c| {
                Ok::<_, Error>(records::with_status(
                    c,
                    &[
                        Status::PREVIEW_GENERATING.as_str(),
                        Status::RESTORING.as_str(),
                    ],
                )?)
            })
            .await?;
        for row in pending {
            self.advance(row.pool_id, row.restore_id).await?;
        }
        Ok(())
    }
}
