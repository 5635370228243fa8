//! Arbitrary bytes (read as lossy UTF-8) through the whole pipeline: the
//! loader's diagnostics must render and point inside the text; what loads
//! is compiled for every dataplane, simulated, graphed and rendered
//! (`polctl_testkit::pipeline`, which the regression test replays too).

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    polctl_testkit::pipeline::run("fuzz.yaml", &text);
});
