//! Output escaping: every value reads back exactly through the runner's parser, no
//! printed line (annotations and logged issues included) can carry a command, a control
//! character or an invisible one, and a secret is redacted in every form a server may
//! echo it. A violated assert is a crash the fuzzer reports.
#![no_main]

use golive::report::{CiTargets, Reporter, azure, github};
use golive::secret::Secret;
use golive::text;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let value = String::from_utf8_lossy(data);

    // GitHub's file command: name<<DELIM, the value's lines, DELIM.
    let entry = github::output_entry("status", &value);
    let mut lines = entry.split('\n');
    let delimiter = lines.next().and_then(|l| l.strip_prefix("status<<")).unwrap_or_default().to_owned();
    let mut read = Vec::new();
    for line in lines.by_ref() {
        if line == delimiter {
            break;
        }
        read.push(line);
    }
    assert_eq!(read.join("\n"), value);

    // Azure Pipelines acts on the first `##vso[` of a line: it must be ours, its
    // properties ours alone, and its data the value exactly.
    let line = azure::set_output("status", &value);
    assert!(!line.contains(['\n', '\r']));
    assert_eq!(line.to_ascii_lowercase().find("##vso["), Some(0));
    let (command, data) = line.split_once(']').unwrap_or_default();
    assert_eq!(command, "##vso[task.setvariable variable=status;isOutput=true");
    let unescaped = data
        .replace("%3B", ";")
        .replace("%0D", "\r")
        .replace("%0A", "\n")
        .replace("%5D", "]")
        .replace("%AZP25", "%");
    assert_eq!(unescaped, value);

    // A plain log line: no control character, no command of either runner.
    let plain = text::plain(&value);
    assert!(!plain.chars().any(text::is_unsafe_char));
    assert!(!plain.trim_start().starts_with("::"));
    let lower = plain.to_ascii_lowercase();
    assert!(!lower.contains("##[") && !lower.contains("##vso["), "{plain:?}");

    // Annotations and logged issues: one command each, nothing unsafe in them.
    for line in [
        github::annotation("error", &value, &value),
        azure::log_issue("error", &value),
    ] {
        assert!(!line.chars().any(text::is_unsafe_char), "{line:?}");
        assert_eq!(line.to_ascii_lowercase().matches("##vso[").count(), usize::from(line.starts_with("##vso[")));
    }

    // A secret (the first 8+ characters of the input, when there are) echoed raw, form
    // encoded or JSON-escaped inside the rest is never left in what golive prints.
    // (A secret holding '*' could be spelled again by the `***` put in its place.)
    if let Some((cut, _)) = value.char_indices().nth(8)
        && !value[..cut].contains('*')
    {
        let (secret, rest) = value.split_at(cut);
        let report = Reporter::new(CiTargets::default());
        report.mask(&Secret::new(secret));
        let form: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
        let json = serde_json::to_string(secret).unwrap_or_default();
        for echoed in [secret, form.as_str(), &json[1..json.len() - 1]] {
            let redacted = report.redact(&format!("{rest}{echoed}{rest}"));
            assert!(!redacted.contains(echoed), "{echoed:?} left in {redacted:?}");
        }
    }
});
