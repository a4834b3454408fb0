//! The Markdown job summary: offer, operation, status, steps, duration, messages.
//! Every piece of server text in it goes through `text::markdown`.

use std::time::Duration;

use reqwest::Url;

use super::Status;
use super::text::markdown;
use crate::config::Config;
use crate::wait::{Operation, human};

pub struct SummaryData<'a> {
    pub config: &'a Config,
    pub operation: Option<&'a (Url, String)>,
    pub status: Option<Status>,
    pub last: Option<&'a Operation>,
    pub elapsed: Duration,
    pub error: Option<&'a str>,
}

pub fn render(data: &SummaryData<'_>) -> String {
    let mut out = String::from("### golive\n\n| | |\n|---|---|\n");
    if let Some(subject) = data.config.subject() {
        out.push_str(&format!("| Offer | `{subject}` |\n"));
    }
    if let Some((url, id)) = data.operation {
        // The URL is on the base-url origin (checked); escape what could end the link.
        let href = url
            .as_str()
            .replace('(', "%28")
            .replace(')', "%29")
            .replace(' ', "%20");
        out.push_str(&format!("| Operation | [{}]({href}) |\n", markdown(id)));
    }
    let status = data.status.map_or("interrupted", Status::as_str);
    out.push_str(&format!("| Status | **{status}** |\n"));
    if let Some(word) = data.last.and_then(|op| op.status.as_deref()) {
        out.push_str(&format!("| Service status | {} |\n", markdown(word)));
    }
    out.push_str(&format!("| Duration | {} |\n", human(data.elapsed)));
    if let Some(operation) = data.last.filter(|op| !op.steps.is_empty()) {
        out.push_str("\n| Step | Status | Progress | Estimate |\n|---|---|---|---|\n");
        for step in &operation.steps {
            out.push_str(&format!(
                "| {} | {} | {} | {} |\n",
                markdown(&step.name),
                markdown(step.status.as_deref().unwrap_or("")),
                step.progress.map_or_else(String::new, |p| format!("{p}%")),
                markdown(step.estimate.as_deref().unwrap_or("")),
            ));
        }
    }
    let messages = data.last.map(Operation::all_messages).unwrap_or_default();
    if !messages.is_empty() {
        out.push_str("\n**Messages from the service**\n\n");
        for message in &messages {
            out.push_str(&format!("- {}\n", markdown(message)));
        }
    }
    if let Some(error) = data.error {
        out.push_str(&format!("\n**Error:** {}\n", markdown(error)));
    }
    out.push('\n');
    out
}
