//! The configuration of the crate's property tests: a fixed seed, so that a failure
//! reproduces (`PROPTEST_RNG_SEED` picks another), `cases` unless `PROPTEST_CASES` says
//! otherwise, and nothing written beside the sources.

use proptest::test_runner::{Config, RngSeed};

pub fn config(cases: u32) -> Config {
    let mut config = Config::with_cases(cases);
    if std::env::var_os("PROPTEST_CASES").is_some() {
        config.cases = Config::default().cases;
    }
    if std::env::var_os("PROPTEST_RNG_SEED").is_none() {
        config.rng_seed = RngSeed::Fixed(0x00c0_6a7e);
    }
    config.failure_persistence = None;
    config
}
