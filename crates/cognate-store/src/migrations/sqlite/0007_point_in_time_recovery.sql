-- Point-in-time recovery. `pool_history` keeps, for every change of a pool's user data
-- (users, groups, group membership, passkeys), the row as it was before the change
-- (`before`, JSON of its columns; NULL when the change created it), written by the
-- triggers below in the transaction of the change. The state of an entity at a moment
-- is the `before` of its first change after that moment, or its current row when it
-- has not changed since. Rows older than the longest recovery period are purged,
-- pool by pool (one index: each change writes as little as it can).
CREATE TABLE pool_history (
    -- The rowid: increasing, as the purge never deletes the newest row.
    seq INTEGER PRIMARY KEY,
    pool_id TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_key TEXT NOT NULL,
    changed_at REAL NOT NULL,
    before TEXT
);
CREATE INDEX pool_history_by_pool ON pool_history (pool_id, changed_at);

-- A pool's recoveries (InitiatePointInTimeRecovery to its end). While `paused_until` is
-- in the future, the triggers refuse writes of the pool's user data, as Cognito pauses
-- them during a recovery.
CREATE TABLE point_in_time_recoveries (
    pool_id TEXT NOT NULL,
    restore_id TEXT NOT NULL,
    created_at REAL NOT NULL,
    status TEXT NOT NULL,
    paused_until REAL NOT NULL,
    doc TEXT NOT NULL,
    PRIMARY KEY (pool_id, restore_id)
);
CREATE INDEX point_in_time_recoveries_by_creation ON point_in_time_recoveries (pool_id, created_at, restore_id);
CREATE INDEX point_in_time_recoveries_by_status ON point_in_time_recoveries (status);

CREATE TRIGGER users_history_insert AFTER INSERT ON users BEGIN
    SELECT RAISE(ABORT, 'point-in-time recovery in progress') WHERE EXISTS (
        SELECT 1 FROM point_in_time_recoveries WHERE pool_id = NEW.pool_id
        AND paused_until > (julianday('now') - 2440587.5) * 86400.0);
    INSERT INTO pool_history (pool_id, entity, entity_key, changed_at, before)
    VALUES (NEW.pool_id, 'user', NEW.username_key, (julianday('now') - 2440587.5) * 86400.0, NULL);
END;
CREATE TRIGGER users_history_update AFTER UPDATE ON users BEGIN
    SELECT RAISE(ABORT, 'point-in-time recovery in progress') WHERE EXISTS (
        SELECT 1 FROM point_in_time_recoveries WHERE pool_id = OLD.pool_id
        AND paused_until > (julianday('now') - 2440587.5) * 86400.0);
    INSERT INTO pool_history (pool_id, entity, entity_key, changed_at, before)
    VALUES (OLD.pool_id, 'user', OLD.username_key, (julianday('now') - 2440587.5) * 86400.0,
        json_object('username', OLD.username, 'sub', OLD.sub, 'status', OLD.status,
            'enabled', OLD.enabled, 'created_at', OLD.created_at,
            'updated_at', OLD.updated_at, 'doc', OLD.doc));
END;
CREATE TRIGGER users_history_delete AFTER DELETE ON users BEGIN
    SELECT RAISE(ABORT, 'point-in-time recovery in progress') WHERE EXISTS (
        SELECT 1 FROM point_in_time_recoveries WHERE pool_id = OLD.pool_id
        AND paused_until > (julianday('now') - 2440587.5) * 86400.0);
    INSERT INTO pool_history (pool_id, entity, entity_key, changed_at, before)
    VALUES (OLD.pool_id, 'user', OLD.username_key, (julianday('now') - 2440587.5) * 86400.0,
        json_object('username', OLD.username, 'sub', OLD.sub, 'status', OLD.status,
            'enabled', OLD.enabled, 'created_at', OLD.created_at,
            'updated_at', OLD.updated_at, 'doc', OLD.doc));
END;

CREATE TRIGGER groups_history_insert AFTER INSERT ON pool_objects WHEN NEW.kind = 'group' BEGIN
    SELECT RAISE(ABORT, 'point-in-time recovery in progress') WHERE EXISTS (
        SELECT 1 FROM point_in_time_recoveries WHERE pool_id = NEW.pool_id
        AND paused_until > (julianday('now') - 2440587.5) * 86400.0);
    INSERT INTO pool_history (pool_id, entity, entity_key, changed_at, before)
    VALUES (NEW.pool_id, 'group', NEW.key, (julianday('now') - 2440587.5) * 86400.0, NULL);
END;
CREATE TRIGGER groups_history_update AFTER UPDATE ON pool_objects WHEN OLD.kind = 'group' BEGIN
    SELECT RAISE(ABORT, 'point-in-time recovery in progress') WHERE EXISTS (
        SELECT 1 FROM point_in_time_recoveries WHERE pool_id = OLD.pool_id
        AND paused_until > (julianday('now') - 2440587.5) * 86400.0);
    INSERT INTO pool_history (pool_id, entity, entity_key, changed_at, before)
    VALUES (OLD.pool_id, 'group', OLD.key, (julianday('now') - 2440587.5) * 86400.0,
        json_object('created_at', OLD.created_at, 'doc', OLD.doc));
END;
CREATE TRIGGER groups_history_delete AFTER DELETE ON pool_objects WHEN OLD.kind = 'group' BEGIN
    SELECT RAISE(ABORT, 'point-in-time recovery in progress') WHERE EXISTS (
        SELECT 1 FROM point_in_time_recoveries WHERE pool_id = OLD.pool_id
        AND paused_until > (julianday('now') - 2440587.5) * 86400.0);
    INSERT INTO pool_history (pool_id, entity, entity_key, changed_at, before)
    VALUES (OLD.pool_id, 'group', OLD.key, (julianday('now') - 2440587.5) * 86400.0,
        json_object('created_at', OLD.created_at, 'doc', OLD.doc));
END;

CREATE TRIGGER group_members_history_insert AFTER INSERT ON group_members BEGIN
    SELECT RAISE(ABORT, 'point-in-time recovery in progress') WHERE EXISTS (
        SELECT 1 FROM point_in_time_recoveries WHERE pool_id = NEW.pool_id
        AND paused_until > (julianday('now') - 2440587.5) * 86400.0);
    INSERT INTO pool_history (pool_id, entity, entity_key, changed_at, before)
    VALUES (NEW.pool_id, 'group_member', json_array(NEW.group_name, NEW.username_key),
        (julianday('now') - 2440587.5) * 86400.0, NULL);
END;
CREATE TRIGGER group_members_history_delete AFTER DELETE ON group_members BEGIN
    SELECT RAISE(ABORT, 'point-in-time recovery in progress') WHERE EXISTS (
        SELECT 1 FROM point_in_time_recoveries WHERE pool_id = OLD.pool_id
        AND paused_until > (julianday('now') - 2440587.5) * 86400.0);
    INSERT INTO pool_history (pool_id, entity, entity_key, changed_at, before)
    VALUES (OLD.pool_id, 'group_member', json_array(OLD.group_name, OLD.username_key),
        (julianday('now') - 2440587.5) * 86400.0, json_object('created_at', OLD.created_at));
END;

CREATE TRIGGER webauthn_credentials_history_insert AFTER INSERT ON webauthn_credentials BEGIN
    SELECT RAISE(ABORT, 'point-in-time recovery in progress') WHERE EXISTS (
        SELECT 1 FROM point_in_time_recoveries WHERE pool_id = NEW.pool_id
        AND paused_until > (julianday('now') - 2440587.5) * 86400.0);
    INSERT INTO pool_history (pool_id, entity, entity_key, changed_at, before)
    VALUES (NEW.pool_id, 'passkey', json_array(NEW.username_key, NEW.credential_id),
        (julianday('now') - 2440587.5) * 86400.0, NULL);
END;
CREATE TRIGGER webauthn_credentials_history_update AFTER UPDATE ON webauthn_credentials BEGIN
    SELECT RAISE(ABORT, 'point-in-time recovery in progress') WHERE EXISTS (
        SELECT 1 FROM point_in_time_recoveries WHERE pool_id = OLD.pool_id
        AND paused_until > (julianday('now') - 2440587.5) * 86400.0);
    INSERT INTO pool_history (pool_id, entity, entity_key, changed_at, before)
    VALUES (OLD.pool_id, 'passkey', json_array(OLD.username_key, OLD.credential_id),
        (julianday('now') - 2440587.5) * 86400.0,
        json_object('created_at', OLD.created_at, 'doc', OLD.doc));
END;
CREATE TRIGGER webauthn_credentials_history_delete AFTER DELETE ON webauthn_credentials BEGIN
    SELECT RAISE(ABORT, 'point-in-time recovery in progress') WHERE EXISTS (
        SELECT 1 FROM point_in_time_recoveries WHERE pool_id = OLD.pool_id
        AND paused_until > (julianday('now') - 2440587.5) * 86400.0);
    INSERT INTO pool_history (pool_id, entity, entity_key, changed_at, before)
    VALUES (OLD.pool_id, 'passkey', json_array(OLD.username_key, OLD.credential_id),
        (julianday('now') - 2440587.5) * 86400.0,
        json_object('created_at', OLD.created_at, 'doc', OLD.doc));
END;
