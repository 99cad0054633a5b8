-- A user's index rows are read by (pool, user) on every change of the user: the index
-- for that covers name and value too, so the planner never prefers scanning the pool's
-- whole primary key range instead.
DROP INDEX user_attributes_by_user;
CREATE INDEX user_attributes_by_user ON user_attributes (pool_id, username_key, name, value);
