-- When the last failed sign-in happened: failures are forgotten after a quiet period.
ALTER TABLE sign_in_failures ADD COLUMN last_failure_at REAL NOT NULL DEFAULT 0;
-- Refresh tokens are looked up by hash (primary key) and purged by expiry.
CREATE INDEX refresh_tokens_by_expiry ON refresh_tokens (expires_at);
CREATE INDEX revoked_tokens_by_expiry ON revoked_tokens (expires_at);
CREATE INDEX auth_sessions_by_expiry ON auth_sessions (expires_at);
