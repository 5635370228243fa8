//! Arbitrary bytes (read as lossy UTF-8) through both selector parsers; any
//! expression they return must print as Calico text that parses back to
//! the same expression (`polctl_testkit::pipeline::selector`).

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    polctl_testkit::pipeline::selector(&text);
});
