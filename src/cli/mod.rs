//! The command line and the environment, read into a validated `Config`: `inputs` reads
//! raw strings through one typed table, `config` turns them into typed values (no I/O).

pub mod config;
pub mod inputs;
