-- Request-rate limits raised with UpdateProvisionedLimit, per region and category.
CREATE TABLE provisioned_limits (
    region TEXT NOT NULL,
    category TEXT NOT NULL,
    value INTEGER NOT NULL,
    updated_at REAL NOT NULL,
    PRIMARY KEY (region, category)
);
