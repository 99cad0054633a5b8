-- Request-rate limits raised with UpdateProvisionedLimit, per region and category.
CREATE TABLE provisioned_limits (
    region TEXT COLLATE "C" NOT NULL,
    category TEXT COLLATE "C" NOT NULL,
    value BIGINT NOT NULL,
    updated_at DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (region, category)
);
