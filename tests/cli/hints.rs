//! `polctl simulate`: what a flow lacks is worded for where it was given —
//! flags on the command line, YAML keys in a flows file.

use crate::common::{run, temp_file};

const KAFKA: [&str; 9] = [
    "simulate",
    "-f",
    "fixtures/kafka",
    "--from",
    "default/empire-outpost-9999",
    "--to",
    "default/kafka-broker",
    "--port",
    "9092",
];

#[test]
fn a_missing_l7_attribute_names_the_flag_on_the_command_line() {
    let out = run(&KAFKA);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains(
            "(give --l7 api_key=<produce|fetch|metadata|...> to check one, and --l7 topic=<name>"
        ),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains("`l7:"), "{}", out.stdout);
}

#[test]
fn a_missing_l7_attribute_names_the_yaml_key_in_a_flows_file() {
    let flows = temp_file(
        "flows.yaml",
        "- {from: default/empire-outpost-9999, to: default/kafka-broker, port: 9092}\n",
    );
    let out = run(&[
        "simulate",
        "-f",
        "fixtures/kafka",
        "--flows",
        flows.path(),
        "-o",
        "json",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains(
            "(set `l7: {api_key: <produce|fetch|metadata|...>}` in the flow to check one, and `l7: {topic: <name>}`"
        ),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains("--l7"), "{}", out.stdout);
}

#[test]
fn a_missing_port_is_worded_for_where_the_flow_was_given() {
    let out = run(&KAFKA[..7]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .contains("a TCP flow needs a destination port: give --port N or --port NAME"),
        "{}",
        out.stderr
    );

    let flows = temp_file(
        "flows.yaml",
        "- {from: default/empire-outpost-9999, to: default/kafka-broker}\n",
    );
    let out = run(&["simulate", "-f", "fixtures/kafka", "--flows", flows.path()]);
    assert_eq!(out.code, 2);
    // The diagnostic wraps at the terminal width.
    let text = out.stderr.replace("\n  | ", " ");
    assert!(
        text.contains("a TCP flow needs a destination port: set `port` (a number or a port name)"),
        "{}",
        out.stderr
    );
    assert!(!text.contains("--port"), "{}", out.stderr);
}
