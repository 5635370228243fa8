//! `polctl simulate`: an allowed connection whose requests an L7 proxy
//! checks is not a plain ALLOW.

use serde_json::Value;

use crate::common::run;

const STARWARS: [&str; 9] = [
    "simulate",
    "-f",
    "fixtures/starwars",
    "--from",
    "default/tiefighter",
    "--to",
    "default/deathstar-0",
    "--port",
    "80",
];

fn json(extra: &[&str]) -> Value {
    let mut args = STARWARS.to_vec();
    args.extend_from_slice(extra);
    args.extend(["-o", "json"]);
    let out = run(&args);
    assert_eq!(out.code, 0, "{}", out.stderr);
    serde_json::from_str(&out.stdout).expect("one JSON object")
}

#[test]
fn an_allow_through_an_l7_proxy_names_the_filtering_rule() {
    let out = run(&STARWARS);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout
            .contains("Verdict: ALLOW for the connection; an L7 proxy checks each request"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains(
            "Requests filtered by: default/rule1 ingress[0]  fixtures/starwars/policies.yaml:19:7"
        ),
        "{}",
        out.stdout
    );
    let v = json(&[]);
    assert_eq!(v["verdict"], "allow");
    assert_eq!(v["l7_filtered"], true);
    assert_eq!(v["l7_filtered_by"][0]["policy"], "default/rule1");
    assert_eq!(
        v["l7_filtered_by"][0]["at"],
        "fixtures/starwars/policies.yaml:19:7"
    );
}

#[test]
fn a_request_that_passes_is_still_filtered() {
    let v = json(&["--method", "POST", "--path", "/v1/request-landing"]);
    assert_eq!(v["verdict"], "allow");
    assert_eq!(v["l7_filtered"], true);
}

#[test]
fn l7_filtered_is_false_without_a_proxy() {
    // No L7 rule on the port: nothing filters requests.
    let v = json(&["--no-app-layer"]);
    assert_eq!(v["verdict"], "allow");
    assert_eq!(v["l7_filtered"], false);
    assert!(v.get("l7_filtered_by").is_none());
    let out = run(&[
        "simulate",
        "-f",
        "fixtures/web-deny-all",
        "--from",
        "default/client",
        "--to",
        "default/web",
        "--port",
        "80",
        "-o",
        "json",
    ]);
    let v: Value = serde_json::from_str(&out.stdout).expect("json");
    assert_eq!(v["verdict"], "deny");
    assert_eq!(v["l7_filtered"], false);
}
