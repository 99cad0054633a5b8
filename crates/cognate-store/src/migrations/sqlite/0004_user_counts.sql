-- A pool's user count, split over shards: concurrent user creations add to different
-- rows instead of all updating the pool's row (which serializable transactions on
-- PostgreSQL would refuse as conflicting). The count is the sum of the shards.
CREATE TABLE pool_user_counts (
    pool_id TEXT NOT NULL,
    shard INTEGER NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (pool_id, shard)
);
