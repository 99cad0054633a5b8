-- Text compares bytewise ("C"), as in SQLite, so that ordering and prefix ranges do not
-- depend on the database's locale.
-- The schema for the whole API. Entities keep their full state in `doc` (JSON owned by
-- the domain); columns exist for what is looked up, ordered or filtered by.

CREATE TABLE user_pools (
    id TEXT COLLATE "C" PRIMARY KEY,
    region TEXT COLLATE "C" NOT NULL,
    name TEXT COLLATE "C" NOT NULL,
    created_at DOUBLE PRECISION NOT NULL,
    updated_at DOUBLE PRECISION NOT NULL,
    user_count BIGINT NOT NULL DEFAULT 0,
    doc TEXT COLLATE "C" NOT NULL
);
CREATE INDEX user_pools_by_region ON user_pools (region, id);

CREATE TABLE user_pool_clients (
    client_id TEXT COLLATE "C" PRIMARY KEY,
    pool_id TEXT COLLATE "C" NOT NULL,
    name TEXT COLLATE "C" NOT NULL,
    created_at DOUBLE PRECISION NOT NULL,
    doc TEXT COLLATE "C" NOT NULL
);
CREATE INDEX user_pool_clients_by_pool ON user_pool_clients (pool_id, client_id);

-- Low-volume objects of a pool addressed by kind and key: groups, resource servers,
-- identity providers, MFA configuration, UI customization, risk configuration, ...
CREATE TABLE pool_objects (
    pool_id TEXT COLLATE "C" NOT NULL,
    kind TEXT COLLATE "C" NOT NULL,
    key TEXT COLLATE "C" NOT NULL,
    created_at DOUBLE PRECISION NOT NULL,
    doc TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (pool_id, kind, key)
);

CREATE TABLE user_pool_domains (
    domain TEXT COLLATE "C" PRIMARY KEY,
    pool_id TEXT COLLATE "C" NOT NULL,
    doc TEXT COLLATE "C" NOT NULL
);
CREATE INDEX user_pool_domains_by_pool ON user_pool_domains (pool_id);

-- username_key is the username as looked up: lower-cased in case-insensitive pools.
CREATE TABLE users (
    pool_id TEXT COLLATE "C" NOT NULL,
    username_key TEXT COLLATE "C" NOT NULL,
    username TEXT COLLATE "C" NOT NULL,
    sub TEXT COLLATE "C" NOT NULL,
    status TEXT COLLATE "C" NOT NULL,
    enabled BIGINT NOT NULL,
    created_at DOUBLE PRECISION NOT NULL,
    updated_at DOUBLE PRECISION NOT NULL,
    doc TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (pool_id, username_key)
);
CREATE UNIQUE INDEX users_by_sub ON users (pool_id, sub);

-- One row per searchable or alias attribute of a user, so that equality and prefix
-- filters and alias lookups are index range scans.
CREATE TABLE user_attributes (
    pool_id TEXT COLLATE "C" NOT NULL,
    name TEXT COLLATE "C" NOT NULL,
    value TEXT COLLATE "C" NOT NULL,
    username_key TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (pool_id, name, value, username_key)
);
CREATE INDEX user_attributes_by_user ON user_attributes (pool_id, username_key);

CREATE TABLE group_members (
    pool_id TEXT COLLATE "C" NOT NULL,
    group_name TEXT COLLATE "C" NOT NULL,
    username_key TEXT COLLATE "C" NOT NULL,
    created_at DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (pool_id, group_name, username_key)
);
CREATE INDEX group_members_by_user ON group_members (pool_id, username_key, group_name);

CREATE TABLE devices (
    pool_id TEXT COLLATE "C" NOT NULL,
    username_key TEXT COLLATE "C" NOT NULL,
    device_key TEXT COLLATE "C" NOT NULL,
    created_at DOUBLE PRECISION NOT NULL,
    doc TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (pool_id, username_key, device_key)
);

CREATE TABLE webauthn_credentials (
    pool_id TEXT COLLATE "C" NOT NULL,
    username_key TEXT COLLATE "C" NOT NULL,
    credential_id TEXT COLLATE "C" NOT NULL,
    created_at DOUBLE PRECISION NOT NULL,
    doc TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (pool_id, username_key, credential_id)
);

-- Refresh tokens are kept only as a SHA-256 hash. family_id groups the tokens of one
-- sign-in session (rotation keeps the family).
CREATE TABLE refresh_tokens (
    token_hash TEXT COLLATE "C" PRIMARY KEY,
    pool_id TEXT COLLATE "C" NOT NULL,
    username_key TEXT COLLATE "C" NOT NULL,
    client_id TEXT COLLATE "C" NOT NULL,
    family_id TEXT COLLATE "C" NOT NULL,
    created_at DOUBLE PRECISION NOT NULL,
    expires_at DOUBLE PRECISION NOT NULL,
    revoked_at DOUBLE PRECISION,
    doc TEXT COLLATE "C" NOT NULL
);
CREATE INDEX refresh_tokens_by_user ON refresh_tokens (pool_id, username_key);
CREATE INDEX refresh_tokens_by_family ON refresh_tokens (family_id);

-- ID and access tokens revoked before they expire, by origin_jti.
CREATE TABLE revoked_tokens (
    origin_jti TEXT COLLATE "C" PRIMARY KEY,
    pool_id TEXT COLLATE "C" NOT NULL,
    expires_at DOUBLE PRECISION NOT NULL
);

-- Challenge sessions of the auth flows, kept as a hash of the opaque Session value.
CREATE TABLE auth_sessions (
    session_hash TEXT COLLATE "C" PRIMARY KEY,
    pool_id TEXT COLLATE "C" NOT NULL,
    expires_at DOUBLE PRECISION NOT NULL,
    doc TEXT COLLATE "C" NOT NULL
);

-- Confirmation, reset and verification codes, kept as a hash.
CREATE TABLE codes (
    pool_id TEXT COLLATE "C" NOT NULL,
    username_key TEXT COLLATE "C" NOT NULL,
    purpose TEXT COLLATE "C" NOT NULL,
    code_hash TEXT COLLATE "C" NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    created_at DOUBLE PRECISION NOT NULL,
    expires_at DOUBLE PRECISION NOT NULL,
    doc TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (pool_id, username_key, purpose)
);

CREATE TABLE sign_in_failures (
    pool_id TEXT COLLATE "C" NOT NULL,
    username_key TEXT COLLATE "C" NOT NULL,
    failures BIGINT NOT NULL,
    locked_until DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (pool_id, username_key)
);

-- Each pool's RSA signing keys; private keys are sealed with the service's master key.
CREATE TABLE signing_keys (
    pool_id TEXT COLLATE "C" NOT NULL,
    kid TEXT COLLATE "C" NOT NULL,
    token_use TEXT COLLATE "C" NOT NULL,
    created_at DOUBLE PRECISION NOT NULL,
    sealed_private_key BYTEA NOT NULL,
    public_jwk TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (pool_id, kid)
);

-- OAuth authorization codes and hosted sign-in sessions, kept as hashes.
CREATE TABLE oauth_codes (
    code_hash TEXT COLLATE "C" PRIMARY KEY,
    pool_id TEXT COLLATE "C" NOT NULL,
    expires_at DOUBLE PRECISION NOT NULL,
    doc TEXT COLLATE "C" NOT NULL
);

CREATE TABLE hosted_sessions (
    session_hash TEXT COLLATE "C" PRIMARY KEY,
    pool_id TEXT COLLATE "C" NOT NULL,
    expires_at DOUBLE PRECISION NOT NULL,
    doc TEXT COLLATE "C" NOT NULL
);

-- Every email and SMS the service sent, for /_cognate/messages.
CREATE TABLE outbox_messages (
    id BIGSERIAL PRIMARY KEY,
    pool_id TEXT COLLATE "C" NOT NULL,
    username TEXT COLLATE "C" NOT NULL,
    channel TEXT COLLATE "C" NOT NULL,
    destination TEXT COLLATE "C" NOT NULL,
    kind TEXT COLLATE "C" NOT NULL,
    subject TEXT COLLATE "C",
    message TEXT COLLATE "C" NOT NULL,
    code TEXT COLLATE "C",
    created_at DOUBLE PRECISION NOT NULL
);

-- Settings of the service itself (not API state): survives a reset.
CREATE TABLE service_settings (
    key TEXT COLLATE "C" PRIMARY KEY,
    value TEXT COLLATE "C" NOT NULL
);
