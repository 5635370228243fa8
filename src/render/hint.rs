//! Wording the simulator's hints for where the user's input came from:
//! flags on the command line, or keys of an entry in a flows file.

use crate::sim::eval::hint::{Hint, Input};
use crate::sim::eval::{Reply, Words};

/// Where the flow was given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Wording {
    /// `polctl simulate --from ... --to ...`: hints name flags.
    Flags,
    /// `polctl simulate --flows FILE`: hints name the entry's YAML keys.
    FlowsFile,
}

impl Words for Wording {
    fn hint(&self, hint: &Hint) -> String {
        word(hint, *self)
    }

    fn reply(&self, reply: &Reply) -> String {
        super::reply::word(reply)
    }
}

/// The words for a hint, e.g. `give --l7 api_key=<...> to check one` or
/// `set `l7: {api_key: <...>}` in the flow to check one`.
pub(crate) fn word(hint: &Hint, wording: Wording) -> String {
    match hint {
        Hint::Named(input) => named(input, wording),
        Hint::Give {
            inputs,
            also,
            because,
            note,
        } => {
            let words = |inputs: &[Input]| -> Vec<String> {
                inputs.iter().map(|i| input(i, wording)).collect()
            };
            // Flags read as a command line; keys as a list.
            let list = |inputs: &[Input]| match wording {
                Wording::Flags => words(inputs).join(" "),
                Wording::FlowsFile => words(inputs).join(", "),
            };
            let mut out = match wording {
                Wording::Flags => format!("give {} to check one", list(inputs)),
                Wording::FlowsFile => format!("set {} in the flow to check one", list(inputs)),
            };
            if !also.is_empty() {
                out.push_str(&format!(
                    ", and {} as the rules need",
                    words(also).join(", ")
                ));
            }
            if !because.is_empty() {
                out.push_str(&format!(": {}", because.join("; ")));
            }
            if let Some(note) = note {
                out.push_str(&format!("; {note}"));
            }
            out
        }
    }
}

/// An input the reason names in passing.
fn named(i: &Input, wording: Wording) -> String {
    match i {
        Input::Auth { fails: false } => format!("{}, the default", input(i, wording)),
        Input::DnsAnswers => format!("supply answers with {}", input(i, wording)),
        Input::Port => match wording {
            Wording::Flags => format!("give {}", input(i, wording)),
            Wording::FlowsFile => format!("set {} (a number or a port name)", input(i, wording)),
        },
        _ => input(i, wording),
    }
}

/// One input as the user writes it.
fn input(i: &Input, wording: Wording) -> String {
    match (wording, i) {
        (Wording::Flags, Input::Method) => "--method".into(),
        (Wording::Flags, Input::Path) => "--path".into(),
        (Wording::Flags, Input::Host) => "--host".into(),
        (Wording::Flags, Input::Header) => "--header".into(),
        (Wording::Flags, Input::L7 { key, value }) => format!("--l7 {key}={value}"),
        (Wording::Flags, Input::SrcPort) => "--src-port".into(),
        (Wording::Flags, Input::Port) => "--port N or --port NAME".into(),
        (Wording::Flags, Input::Auth { fails }) => {
            format!("--auth {}", if *fails { "fail" } else { "ok" })
        }
        (Wording::FlowsFile, Input::Method) => "`method`".into(),
        (Wording::FlowsFile, Input::Path) => "`path`".into(),
        (Wording::FlowsFile, Input::Host) => "`host`".into(),
        (Wording::FlowsFile, Input::Header) => "`headers`".into(),
        (Wording::FlowsFile, Input::L7 { key, value }) => format!("`l7: {{{key}: {value}}}`"),
        (Wording::FlowsFile, Input::SrcPort) => "`srcPort`".into(),
        (Wording::FlowsFile, Input::Port) => "`port`".into(),
        (Wording::FlowsFile, Input::Auth { fails }) => {
            format!("`auth: {}`", if *fails { "fail" } else { "ok" })
        }
        // Settings of the run: flags either way.
        (_, Input::DnsAnswers) => "--dns NAME=IP or --dns-file".into(),
        (_, Input::NoAppLayer) => "--no-app-layer".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kafka() -> Hint {
        Hint::give([Input::L7 {
            key: "api_key",
            value: "<produce|fetch>",
        }])
        .also([Input::L7 {
            key: "topic",
            value: "<name>",
        }])
    }

    #[test]
    fn the_command_line_names_flags() {
        assert_eq!(
            word(&kafka(), Wording::Flags),
            "give --l7 api_key=<produce|fetch> to check one, and --l7 topic=<name> as the rules need"
        );
        assert_eq!(
            word(&Hint::Named(Input::Auth { fails: true }), Wording::Flags),
            "--auth fail"
        );
        assert_eq!(
            word(&Hint::give([Input::Method, Input::Path]), Wording::Flags),
            "give --method --path to check one"
        );
    }

    #[test]
    fn a_flows_file_names_its_keys() {
        let words = word(&kafka(), Wording::FlowsFile);
        assert_eq!(
            words,
            "set `l7: {api_key: <produce|fetch>}` in the flow to check one, and `l7: {topic: <name>}` as the rules need"
        );
        assert!(!words.contains("--"), "{words}");
        assert_eq!(
            word(
                &Hint::Named(Input::Auth { fails: false }),
                Wording::FlowsFile
            ),
            "`auth: ok`, the default"
        );
        assert_eq!(
            word(
                &Hint::give([Input::Method, Input::Path]),
                Wording::FlowsFile
            ),
            "set `method`, `path` in the flow to check one"
        );
    }
}
