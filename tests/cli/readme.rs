//! The README's tour shows real output: every `$ polctl …` example in it
//! is run and compared with what follows it.

use crate::common::{repo, run};

struct Example {
    args: Vec<String>,
    expected: Vec<String>,
}

fn examples() -> Vec<Example> {
    let text = std::fs::read_to_string(repo().join("README.md")).expect("README.md");
    let mut out: Vec<Example> = Vec::new();
    let mut in_block = false;
    // Output lines belong to the last command of the same code block.
    let mut attach = false;
    for line in text.lines() {
        if line.starts_with("```") {
            in_block = !in_block;
            attach = false;
            continue;
        }
        if !in_block {
            continue;
        }
        if let Some(cmd) = line.strip_prefix("$ polctl ") {
            out.push(Example {
                args: cmd.split_whitespace().map(String::from).collect(),
                expected: Vec::new(),
            });
            attach = true;
        } else if let Some(ex) = out.last_mut().filter(|_| attach && !line.is_empty()) {
            ex.expected.push(line.to_string());
        }
    }
    out
}

#[test]
fn readme_examples_print_what_the_readme_shows() {
    let examples = examples();
    assert!(examples.len() >= 3, "the README tour has examples");
    for ex in examples {
        let args: Vec<&str> = ex.args.iter().map(String::as_str).collect();
        let out = run(&args);
        if out.code == 0 {
            let got: Vec<&str> = out.stdout.lines().filter(|l| !l.is_empty()).collect();
            assert_eq!(got, ex.expected, "polctl {}", ex.args.join(" "));
        } else {
            // Diagnostics: the README shows an excerpt of stderr.
            for line in &ex.expected {
                assert!(
                    out.stderr.contains(line.trim()),
                    "polctl {}: `{line}` not in\n{}",
                    ex.args.join(" "),
                    out.stderr
                );
            }
        }
    }
}
