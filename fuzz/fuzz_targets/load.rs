//! Arbitrary bytes (read as lossy UTF-8) through the whole loader; every
//! error it reports must render, and point inside the text on char
//! boundaries.

#![no_main]

use libfuzzer_sys::fuzz_target;
use miette::{Diagnostic, GraphicalReportHandler};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let Err(errors) = polctl::load::load_text("fuzz.yaml", &text) else {
        return;
    };
    for err in &errors.errors {
        for label in err.labels().into_iter().flatten() {
            let (start, end) = (label.offset(), label.offset() + label.len());
            assert!(
                end <= text.len(),
                "span {start}..{end} is past the end ({}): {err}",
                text.len()
            );
            assert!(
                text.is_char_boundary(start) && text.is_char_boundary(end),
                "span {start}..{end} is not on char boundaries: {err}"
            );
        }
        let _ = GraphicalReportHandler::new().render_report(&mut String::new(), err);
    }
});
