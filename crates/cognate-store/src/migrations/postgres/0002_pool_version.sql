-- A counter bumped by every change of a pool, so readers can tell whether a cached
-- description is current without reading the document.
ALTER TABLE user_pools ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
