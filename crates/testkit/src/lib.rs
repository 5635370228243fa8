//! What polctl's tests, benchmarks and fuzz targets share: generated
//! clusters ([`cluster`]), observed traffic over them ([`flows`]), and the
//! whole pipeline run on arbitrary input ([`pipeline`]), so a saved fuzz
//! input replays exactly as it was found.

pub mod cluster;
pub mod flows;
pub mod pipeline;
