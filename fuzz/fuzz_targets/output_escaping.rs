//! Output escaping: every value reads back exactly through the runner's parser, and no
//! printed line can carry a command. A violated assert is a crash the fuzzer reports.
#![no_main]

use golive::report::{azure, github, text};
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
    assert!(!plain.chars().any(char::is_control));
    assert!(!plain.trim_start().starts_with("::"));
    let lower = plain.to_ascii_lowercase();
    assert!(!lower.contains("##[") && !lower.contains("##vso["), "{plain:?}");
});
