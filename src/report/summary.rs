//! The Markdown job summary: offer, operation, status, steps, duration, messages.
//! Every piece of server text in it is redacted (by the caller's `clean`) before it goes
//! through `text::markdown`, and capped; the whole is kept under a size the CI accepts.

use std::time::Duration;

use reqwest::Url;

use super::Status;
use crate::operation::Operation;
use crate::text::{cap, human, markdown};

/// The longest piece of server text in the summary, in characters.
const PIECE_CAP: usize = 1000;
/// The most steps and messages listed.
const MAX_ROWS: usize = 100;

/// What the summary shows, as plain data.
pub struct SummaryData<'a> {
    /// The offer as a person names it (`publisher/offer`, an external id); `None` when
    /// only an operation URL is known.
    pub subject: Option<&'a str>,
    pub operation: Option<&'a (Url, String)>,
    pub status: Option<Status>,
    pub last: Option<&'a Operation>,
    pub elapsed: Duration,
    pub error: Option<&'a str>,
    /// A dry run: what going live would send.
    pub would_send: Option<&'a str>,
    /// A run of several offers: one row each (and `subject`, `operation`, `last` are `None`).
    pub rows: Vec<Row>,
}

/// One offer of a run of several.
pub struct Row {
    pub subject: String,
    pub operation: Option<(Url, String)>,
    pub status: Option<Status>,
    /// The service's last status word.
    pub service: Option<String>,
    pub error: Option<String>,
}

/// The summary's Markdown; `clean` redacts a piece of untrusted text before it is escaped.
pub fn render(data: &SummaryData<'_>, clean: &dyn Fn(&str) -> String) -> String {
    let md = |text: &str| markdown(&cap(&clean(text), PIECE_CAP));
    let mut out = String::from("### golive\n\n| | |\n|---|---|\n");
    if let Some(subject) = data.subject {
        out.push_str(&format!("| Offer | `{subject}` |\n"));
    }
    if let Some((url, id)) = data.operation {
        out.push_str(&format!("| Operation | [{}]({}) |\n", md(id), href(url)));
    }
    let status = data.status.map_or("not started", Status::as_str);
    out.push_str(&format!("| Status | **{status}** |\n"));
    if let Some(word) = data.last.and_then(|op| op.status.as_deref()) {
        out.push_str(&format!("| Service status | {} |\n", md(word)));
    }
    out.push_str(&format!("| Duration | {} |\n", human(data.elapsed)));
    if let Some(would_send) = data.would_send {
        out.push_str(&format!(
            "| Dry run | nothing was sent; going live would send {} |\n",
            md(would_send)
        ));
    }
    if !data.rows.is_empty() {
        out.push_str("\n| Offer | Operation | Status | Service status | Error |\n");
        out.push_str("|---|---|---|---|---|\n");
        for row in data.rows.iter().take(MAX_ROWS) {
            let operation = row
                .operation
                .as_ref()
                .map_or_else(String::new, |(url, id)| {
                    format!("[{}]({})", md(id), href(url))
                });
            out.push_str(&format!(
                "| {} | {operation} | **{}** | {} | {} |\n",
                md(&row.subject),
                row.status.map_or("not started", Status::as_str),
                md(row.service.as_deref().unwrap_or("")),
                md(row.error.as_deref().unwrap_or("")),
            ));
        }
        if data.rows.len() > MAX_ROWS {
            out.push_str(&format!(
                "\n*{} more offers not shown; the results output has them all*\n",
                data.rows.len() - MAX_ROWS
            ));
        }
    }
    if let Some(operation) = data.last.filter(|op| !op.steps.is_empty()) {
        out.push_str("\n| Step | Status | Progress | Estimate |\n|---|---|---|---|\n");
        for step in operation.steps.iter().take(MAX_ROWS) {
            out.push_str(&format!(
                "| {} | {} | {} | {} |\n",
                md(&step.name),
                md(step.status.as_deref().unwrap_or("")),
                step.progress.map_or_else(String::new, |p| format!("{p}%")),
                md(step.estimate.as_deref().unwrap_or("")),
            ));
        }
        if operation.steps.len() > MAX_ROWS {
            out.push_str(&format!(
                "\n*{} more steps not shown*\n",
                operation.steps.len() - MAX_ROWS
            ));
        }
    }
    let messages = data.last.map(Operation::all_messages).unwrap_or_default();
    if !messages.is_empty() {
        out.push_str("\n**Messages from the service**\n\n");
        for message in messages.iter().take(MAX_ROWS) {
            out.push_str(&format!("- {}\n", md(message)));
        }
        if messages.len() > MAX_ROWS {
            out.push_str(&format!(
                "\n*{} more messages not shown; every message is in the log*\n",
                messages.len() - MAX_ROWS
            ));
        }
    }
    if let Some(error) = data.error {
        out.push_str(&format!("\n**Error:** {}\n", md(error)));
    }
    out.push('\n');
    out
}

/// A link target: the URL is on the base-url origin (checked); escape what could end it.
fn href(url: &Url) -> String {
    url.as_str()
        .replace('(', "%28")
        .replace(')', "%29")
        .replace(' ', "%20")
}

/// The summary cut to at most `max` bytes (at a line break), saying that it was cut.
pub fn capped(markdown: String, max: usize) -> String {
    if markdown.len() <= max {
        return markdown;
    }
    let note =
        "\n*(summary cut here to stay under the size GitHub accepts; the log has it all)*\n\n";
    let mut end = max.saturating_sub(note.len());
    while !markdown.is_char_boundary(end) {
        end -= 1;
    }
    let end = markdown[..end].rfind('\n').map_or(end, |at| at + 1);
    format!("{}{note}", &markdown[..end])
}
