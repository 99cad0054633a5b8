-- Point-in-time recovery. `pool_history` keeps, for every change of a pool's user data
-- (users, groups, group membership, passkeys), the row as it was before the change
-- (`before`, JSON of its columns; NULL when the change created it), written by the
-- triggers below in the transaction of the change. The state of an entity at a moment
-- is the `before` of its first change after that moment, or its current row when it
-- has not changed since. Rows older than the longest recovery period are purged,
-- pool by pool (one index: each change writes as little as it can).
CREATE TABLE pool_history (
    seq BIGSERIAL PRIMARY KEY,
    pool_id TEXT COLLATE "C" NOT NULL,
    entity TEXT COLLATE "C" NOT NULL,
    entity_key TEXT COLLATE "C" NOT NULL,
    changed_at DOUBLE PRECISION NOT NULL,
    before TEXT COLLATE "C"
);
CREATE INDEX pool_history_by_pool ON pool_history (pool_id, changed_at);

-- A pool's recoveries (InitiatePointInTimeRecovery to its end). While `paused_until` is
-- in the future, the triggers refuse writes of the pool's user data, as Cognito pauses
-- them during a recovery.
CREATE TABLE point_in_time_recoveries (
    pool_id TEXT COLLATE "C" NOT NULL,
    restore_id TEXT COLLATE "C" NOT NULL,
    created_at DOUBLE PRECISION NOT NULL,
    status TEXT COLLATE "C" NOT NULL,
    paused_until DOUBLE PRECISION NOT NULL,
    doc TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (pool_id, restore_id)
);
CREATE INDEX point_in_time_recoveries_by_creation ON point_in_time_recoveries (pool_id, created_at, restore_id);
CREATE INDEX point_in_time_recoveries_by_status ON point_in_time_recoveries (status);

-- Refuses the change while a recovery of the pool is in progress.
CREATE FUNCTION pool_history_paused(pool TEXT) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM point_in_time_recoveries WHERE pool_id = pool
               AND paused_until > extract(epoch FROM clock_timestamp())) THEN
        RAISE EXCEPTION 'point-in-time recovery in progress';
    END IF;
END $$;

CREATE FUNCTION users_history() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM pool_history_paused(NEW.pool_id);
        INSERT INTO pool_history (pool_id, entity, entity_key, changed_at, before)
        VALUES (NEW.pool_id, 'user', NEW.username_key, extract(epoch FROM clock_timestamp()), NULL);
        RETURN NEW;
    END IF;
    PERFORM pool_history_paused(OLD.pool_id);
    INSERT INTO pool_history (pool_id, entity, entity_key, changed_at, before)
    VALUES (OLD.pool_id, 'user', OLD.username_key, extract(epoch FROM clock_timestamp()),
        json_build_object('username', OLD.username, 'sub', OLD.sub, 'status', OLD.status,
            'enabled', OLD.enabled, 'created_at', OLD.created_at,
            'updated_at', OLD.updated_at, 'doc', OLD.doc)::text);
    RETURN OLD;
END $$;
CREATE TRIGGER users_history AFTER INSERT OR UPDATE OR DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION users_history();

CREATE FUNCTION groups_history() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.kind = 'group' THEN
            PERFORM pool_history_paused(NEW.pool_id);
            INSERT INTO pool_history (pool_id, entity, entity_key, changed_at, before)
            VALUES (NEW.pool_id, 'group', NEW.key, extract(epoch FROM clock_timestamp()), NULL);
        END IF;
        RETURN NEW;
    END IF;
    IF OLD.kind = 'group' THEN
        PERFORM pool_history_paused(OLD.pool_id);
        INSERT INTO pool_history (pool_id, entity, entity_key, changed_at, before)
        VALUES (OLD.pool_id, 'group', OLD.key, extract(epoch FROM clock_timestamp()),
            json_build_object('created_at', OLD.created_at, 'doc', OLD.doc)::text);
    END IF;
    RETURN OLD;
END $$;
CREATE TRIGGER groups_history AFTER INSERT OR UPDATE OR DELETE ON pool_objects
    FOR EACH ROW EXECUTE FUNCTION groups_history();

CREATE FUNCTION group_members_history() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM pool_history_paused(NEW.pool_id);
        INSERT INTO pool_history (pool_id, entity, entity_key, changed_at, before)
        VALUES (NEW.pool_id, 'group_member', json_build_array(NEW.group_name, NEW.username_key)::text,
            extract(epoch FROM clock_timestamp()), NULL);
        RETURN NEW;
    END IF;
    PERFORM pool_history_paused(OLD.pool_id);
    INSERT INTO pool_history (pool_id, entity, entity_key, changed_at, before)
    VALUES (OLD.pool_id, 'group_member', json_build_array(OLD.group_name, OLD.username_key)::text,
        extract(epoch FROM clock_timestamp()), json_build_object('created_at', OLD.created_at)::text);
    RETURN OLD;
END $$;
CREATE TRIGGER group_members_history AFTER INSERT OR UPDATE OR DELETE ON group_members
    FOR EACH ROW EXECUTE FUNCTION group_members_history();

CREATE FUNCTION webauthn_credentials_history() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM pool_history_paused(NEW.pool_id);
        INSERT INTO pool_history (pool_id, entity, entity_key, changed_at, before)
        VALUES (NEW.pool_id, 'passkey', json_build_array(NEW.username_key, NEW.credential_id)::text,
            extract(epoch FROM clock_timestamp()), NULL);
        RETURN NEW;
    END IF;
    PERFORM pool_history_paused(OLD.pool_id);
    INSERT INTO pool_history (pool_id, entity, entity_key, changed_at, before)
    VALUES (OLD.pool_id, 'passkey', json_build_array(OLD.username_key, OLD.credential_id)::text,
        extract(epoch FROM clock_timestamp()),
        json_build_object('created_at', OLD.created_at, 'doc', OLD.doc)::text);
    RETURN OLD;
END $$;
CREATE TRIGGER webauthn_credentials_history AFTER INSERT OR UPDATE OR DELETE ON webauthn_credentials
    FOR EACH ROW EXECUTE FUNCTION webauthn_credentials_history();
