//! Properties of what golive writes for each CI, for arbitrary values: it reads back
//! through the platform's own parser as exactly the value written, and it never creates
//! a command the platform would act on. Values are arbitrary Unicode, with extra weight
//! on the pieces an attacker would use (`%`, `::`, `##vso[`, `##[`, `;`, `]`, line
//! breaks, delimiter look-alikes).

use std::collections::BTreeMap;

use golive::report::CiTargets;
use golive::report::{Reporter, azure, github, gitlab};
use golive::secret::Secret;
use golive::text;
use proptest::prelude::*;

/// Text built from hostile pieces and arbitrary characters.
fn hostile() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("\n".to_owned()),
        Just("\r".to_owned()),
        Just("\r\n".to_owned()),
        Just("%".to_owned()),
        Just("%25".to_owned()),
        Just("%AZP25".to_owned()),
        Just("::".to_owned()),
        Just("::error::".to_owned()),
        Just("::stop-commands::".to_owned()),
        Just("##[".to_owned()),
        Just("##vso[".to_owned()),
        Just("##VSO[".to_owned()),
        Just("#".to_owned()),
        Just(";".to_owned()),
        Just("]".to_owned()),
        Just("ghadelimiter_".to_owned()),
        Just("=".to_owned()),
        Just("<<".to_owned()),
        Just(" ".to_owned()),
        any::<char>().prop_map(String::from),
    ];
    prop::collection::vec(piece, 0..24).prop_map(|pieces| pieces.concat())
}

fn values() -> impl Strategy<Value = String> {
    prop_oneof![any::<String>(), hostile()]
}

/// The Azure Pipelines agent's logging-command parser: `##vso[area.action props]data`,
/// found anywhere in a line (case-insensitively); properties `k=v` split on `;`;
/// `%AZP25`, `%3B`, `%0D`, `%0A`, `%5D` unescaped.
fn azure_parse(line: &str) -> Option<(String, BTreeMap<String, String>, String)> {
    let start = line.to_ascii_lowercase().find("##vso[")?;
    let rest = &line[start + 6..];
    let close = rest.find(']')?;
    let (command, data) = (&rest[..close], &rest[close + 1..]);
    let (name, props) = command.split_once(' ').unwrap_or((command, ""));
    let unescape = |s: &str| {
        s.replace("%3B", ";")
            .replace("%0D", "\r")
            .replace("%0A", "\n")
            .replace("%5D", "]")
            .replace("%AZP25", "%")
    };
    let props = props
        .split(';')
        .filter(|p| !p.is_empty())
        .filter_map(|p| p.split_once('='))
        .map(|(k, v)| (k.to_owned(), unescape(v)))
        .collect();
    Some((name.to_owned(), props, unescape(data)))
}

/// GitLab's dotenv parser: `KEY=VALUE` per line, split at the first `=`, stripped.
fn dotenv_parse(file: &str) -> BTreeMap<String, String> {
    file.lines()
        .filter_map(|line| line.split_once('='))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn github_outputs_read_back_exactly(value in values()) {
        let file = github::output_entry("status", &value);
        let parsed = crate::support::parse_github_output(&file);
        prop_assert_eq!(parsed.len(), 1);
        prop_assert_eq!(parsed.get("status"), Some(&value));
    }

    #[test]
    fn azure_output_variables_read_back_exactly_and_are_one_command(value in values()) {
        let line = azure::set_output("status", &value);
        prop_assert!(!line.contains(['\n', '\r']));
        prop_assert_eq!(crate::support::azure_commands(&line).len(), 1);
        let (name, props, data) = azure_parse(&line).ok_or_else(|| TestCaseError::fail("no command"))?;
        prop_assert_eq!(name, "task.setvariable");
        prop_assert_eq!(props.get("variable").map(String::as_str), Some("status"));
        prop_assert_eq!(props.get("isOutput").map(String::as_str), Some("true"));
        prop_assert_eq!(props.len(), 2);
        prop_assert_eq!(data, value);
    }

    #[test]
    fn dotenv_values_read_back_exactly_or_are_refused(value in values()) {
        let mut values = BTreeMap::new();
        values.insert("GOLIVE_STATUS", value.clone());
        match gitlab::dotenv(&values) {
            Ok(file) => {
                let parsed = dotenv_parse(&file);
                prop_assert_eq!(parsed.len(), 1);
                prop_assert_eq!(parsed.get("GOLIVE_STATUS"), Some(&value));
            }
            Err(_) => prop_assert!(value.contains(['\n', '\r']) || value.trim() != value),
        }
    }

    #[test]
    fn plain_log_lines_hold_no_command_and_no_control_character(value in values()) {
        let line = text::plain(&value);
        prop_assert!(!line.chars().any(char::is_control));
        prop_assert!(crate::support::github_commands(&line).is_empty(), "{:?}", line);
        prop_assert!(crate::support::azure_commands(&line).is_empty(), "{:?}", line);
    }

    #[test]
    fn annotations_are_one_command_carrying_the_message(title in values(), message in values()) {
        let line = github::annotation("error", &title, &message);
        prop_assert!(!line.contains(['\n', '\r']));
        let commands = crate::support::github_commands(&line);
        prop_assert_eq!(commands, vec!["error".to_owned()]);
        let data = line.splitn(3, "::").nth(2).unwrap_or_default();
        let unescaped = data.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%");
        prop_assert_eq!(unescaped, text::plain(&message));
        prop_assert!(!line.chars().any(text::is_unsafe_char), "{:?}", line);
    }

    #[test]
    fn azure_issues_are_one_command(message in values()) {
        let line = azure::log_issue("error", &message);
        prop_assert!(!line.contains(['\n', '\r']));
        prop_assert_eq!(crate::support::azure_commands(&line).len(), 1);
        prop_assert!(!line.chars().any(text::is_unsafe_char), "{:?}", line);
    }

    #[test]
    fn a_secret_is_redacted_in_every_form_a_server_may_echo(
        // Printable ASCII but '*': a secret holding it could be spelled again by `***`.
        secret in "[ -)+-~]{8,40}",
        before in values(),
        after in values(),
    ) {
        let report = Reporter::new(CiTargets::default());
        report.mask(&Secret::new(secret.clone()));
        let form: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
        let json = serde_json::to_string(&secret).unwrap_or_default();
        let json = &json[1..json.len() - 1];
        // Percent escapes with lower-case hex digits, as some encoders write them.
        let lower_hex = form
            .split('%')
            .enumerate()
            .map(|(i, part)| match (i, part.get(..2)) {
                (0, _) | (_, None) => part.to_owned(),
                (_, Some(hex)) => format!("{}{}", hex.to_ascii_lowercase(), &part[2..]),
            })
            .collect::<Vec<_>>()
            .join("%");
        for echoed in [secret.as_str(), &form, &form.replace('+', "%20"), &lower_hex, json] {
            let redacted = report.redact(&format!("{before}{echoed}{after}"));
            prop_assert!(!redacted.contains(echoed), "{:?} in {:?}", echoed, redacted);
            // Whatever is escaped afterwards is escaped from text that no longer holds it.
            prop_assert!(!text::markdown(&redacted).contains(&text::markdown(&secret)));
        }
    }
}

/// Arbitrary values for the inputs a run reads, mostly hostile text, sometimes a value
/// that gets a run going. The API, identity and metadata hosts are always loopback.
fn run_inputs() -> impl Strategy<Value = Vec<(&'static str, String)>> {
    let names = [
        "INPUT_API",
        "INPUT_PUBLISHER-ID",
        "INPUT_OFFER-ID",
        "INPUT_PRODUCT-ID",
        "INPUT_OPERATION-LOCATION",
        "INPUT_WAIT",
        "INPUT_TIMEOUT",
        "INPUT_POLL-INTERVAL",
        "INPUT_TOKEN",
        "INPUT_TENANT-ID",
        "INPUT_CLIENT-ID",
        "INPUT_CLIENT-SECRET",
        "INPUT_MANAGED-IDENTITY",
        "INPUT_API-VERSION",
    ];
    let value = prop_oneof![
        values(),
        Just("contoso".to_owned()),
        Just("true".to_owned()),
        Just("1s".to_owned()),
        Just("18446744073709551615".to_owned()),
        Just("product-ingestion".to_owned()),
        Just("/api/operations/x".to_owned()),
    ];
    prop::collection::vec((prop::sample::select(names.to_vec()), value), 0..10)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn no_input_makes_the_binary_abort(inputs in run_inputs()) {
        let server = crate::support::Server::start();
        server.route("POST", crate::support::GOLIVE_PATH, vec![crate::support::accepted(&server)]);
        server.route("GET", crate::support::OP_PATH, vec![crate::support::Reply::json(200, r#"{"status":"succeeded"}"#)]);
        let mut run = crate::support::golive()
            .env("INPUT_BASE-URL", &server.url())
            .env("INPUT_AUTHORITY-HOST", &server.url())
            .env("AZURE_POD_IDENTITY_AUTHORITY_HOST", &server.url());
        let mut timeout_set = false;
        for (name, value) in &inputs {
            // Every run ends well inside the watchdog, whatever else it is given.
            if *name == "INPUT_TIMEOUT" {
                timeout_set = true;
            }
            // The OS cannot carry a NUL in a variable.
            run = run.env(name, &value.replace('\0', ""));
        }
        if !timeout_set {
            run = run.env("INPUT_TIMEOUT", "2s");
        }
        let outcome = run.env("INPUT_POLL-INTERVAL", "100ms").run();
        // A clean exit with a code of the contract, never a signal (an abort).
        prop_assert!(
            matches!(outcome.code, Some(0..=7)),
            "{:?} for {:?}:\n{}", outcome.code, inputs, outcome.log()
        );
    }
}
