//! Partner Center product-ingestion answers, each shaped exactly like a documented sample
//! or a public client's recorded response, for the tests and the demo's simulator.
//!
//! Sources (each function names its own):
//! - [PI] Microsoft Learn, "Product Ingestion API for the commercial marketplace"
//!   (MicrosoftDocs/azure-docs, articles/marketplace/product-ingestion-api.md):
//!   sections "Querying your submissions", "Check the status of a request",
//!   "Status of a pending request".
//! - [PO] Microsoft Learn, "Create and manage private offers via API"
//!   (articles/marketplace/private-offers-api.md): "Retrieve products" (the list with
//!   `@nextLink`), "Poll for job status" (the capitalised `jobStatus`/`jobResult` table),
//!   "Query the status of an existing job" (Running, Succeeded, Failure samples).
//! - [cloudpub] release-engineering/cloudpub, `tests/ms_azure/conftest.py` (`job_details`,
//!   `errors`, `product_summary`) and `cloudpub/models/ms_azure.py` (`ConfigureStatus`:
//!   `jobResult` `cancelled`); `cloudpub/ms_azure/service.py` `_is_submission_in_preview`
//!   (after going live the live entry carries the preview's id).
//! - [SUSE] SUSE-Enceladus/azure-img-utils, `tests/test_azure_cloud_partner.py` (a `live`
//!   submission with `status: running` while a go-live runs).

#![allow(dead_code)]

use serde_json::{Value, json};

const SUBMISSION_SCHEMA: &str =
    "https://product-ingestion.azureedge.net/schema/submission/2022-03-01-preview2";
const STATUS_SCHEMA: &str =
    "https://product-ingestion.azureedge.net/schema/configure-status/2022-03-01-preview2";

/// One product of `GET product?externalId=…`: [PO] "Retrieve products" item, with the
/// values of [cloudpub] `product_summary`. `external_key` is `externalId` as documented,
/// or another spelling a test wants to see accepted.
pub fn product(guid: &str, external_key: &str, external_id: &str) -> Value {
    json!({
        "$schema": "https://product-ingestion.azureedge.net/schema/product/2022-03-01-preview2",
        "id": format!("product/{guid}"),
        "identity": { external_key: external_id },
        "type": "azureVirtualMachine",
        "alias": format!("{external_id} (alias)")
    })
}

/// A list page: [PO] "Retrieve products" (`value`, and `@nextLink` when there is more).
pub fn page(items: &[Value], next: Option<&str>) -> Value {
    match next {
        Some(next) => json!({ "value": items, "@nextLink": next }),
        None => json!({ "value": items }),
    }
}

/// The draft reference: [PI] "Querying your submissions", first item of the sample —
/// no `status`, no `result`, no `created`.
pub fn draft_reference(product: &str) -> Value {
    json!({
        "$schema": SUBMISSION_SCHEMA,
        "id": format!("submission/{product}/0"),
        "product": format!("product/{product}"),
        "target": { "targetType": "draft" }
    })
}

/// A preview or live submission: [PI] "Querying your submissions", second and third
/// items of the sample (`status`/`result`/`created`).
pub fn submission(product: &str, id: &str, target: &str, status: &str, created: &str) -> Value {
    let result = if status.eq_ignore_ascii_case("completed") {
        "succeeded"
    } else {
        "pending"
    };
    json!({
        "$schema": SUBMISSION_SCHEMA,
        "id": id,
        "product": format!("product/{product}"),
        "target": { "targetType": target },
        "status": status,
        "result": result,
        "created": created
    })
}

/// The submissions before go-live, exactly as [PI]'s sample: the draft reference, the
/// live submission of an earlier publish, and a newer preview submission.
pub fn before_go_live(product: &str, live: &str, preview: &str) -> Vec<Value> {
    vec![
        draft_reference(product),
        submission(
            product,
            live,
            "live",
            "completed",
            "2022-01-25T07:13:06.4408032Z",
        ),
        submission(
            product,
            preview,
            "preview",
            "completed",
            "2022-02-04T20:07:22.4220588Z",
        ),
    ]
}

/// While the go-live runs: the live entry for the preview's id is `running` ([SUSE]).
pub fn during_go_live(product: &str, live: &str, preview: &str) -> Vec<Value> {
    vec![
        draft_reference(product),
        submission(
            product,
            live,
            "live",
            "completed",
            "2022-01-25T07:13:06.4408032Z",
        ),
        submission(
            product,
            preview,
            "preview",
            "completed",
            "2022-02-04T20:07:22.4220588Z",
        ),
        submission(
            product,
            preview,
            "live",
            "running",
            "2022-02-05T09:00:00.0000000Z",
        ),
    ]
}

/// After go-live: the live entry carries the preview's id ([PI] "Querying your
/// submissions", the note on pushing preview to live; [cloudpub]).
pub fn after_go_live(product: &str, preview: &str) -> Vec<Value> {
    vec![
        draft_reference(product),
        submission(
            product,
            preview,
            "preview",
            "completed",
            "2022-02-04T20:07:22.4220588Z",
        ),
        submission(
            product,
            preview,
            "live",
            "completed",
            "2022-02-05T09:00:00.0000000Z",
        ),
    ]
}

/// The answer to `POST configure`: [PI] "Check the status of a request", sample response
/// to a processed request (`jobEnd` as [cloudpub] `configure_running_response` has it).
pub fn configure_accepted(job: &str) -> Value {
    json!({
        "$schema": STATUS_SCHEMA,
        "jobId": job,
        "jobStatus": "notStarted",
        "jobResult": "pending",
        "jobStart": "2022-03-01-preview2T13:32:43.123456Z",
        "jobEnd": "0001-01-01T00:00:00",
        "errors": []
    })
}

/// `GET configure/{jobId}/status`: [PO] "Query the status of an existing job" (Running,
/// Succeeded with `resourceUri`, Failure with `errors`); [cloudpub] `job_details`.
/// `status` and `result` as the test wants them spelled ([PO]'s table capitalises them).
pub fn job_status(job: &str, status: &str, result: &str, errors: &Value) -> Value {
    let mut body = json!({
        "$schema": STATUS_SCHEMA,
        "jobId": job,
        "jobStatus": status,
        "jobResult": result,
        "jobStart": "2021-12-21T21:29:54.9702903Z",
        "jobEnd": "2021-12-21T21:30:10.3649551Z",
        "errors": errors.clone()
    });
    if result.eq_ignore_ascii_case("succeeded") {
        body["resourceUri"] = json!(format!(
            "https://product-ingestion.mp.microsoft.com/configure/{job}"
        ));
    }
    body
}

/// A failed job's errors, nested: [cloudpub] `errors` (code, message, details[] with
/// their own details[]), and [PO]'s Failure sample (`Conflict`, a message only).
pub fn nested_errors() -> Value {
    json!([
        {
            "code": "conflict",
            "message": "Error message",
            "details": [
                {"code": "invalidResource", "message": "Failure for resource", "details": []}
            ]
        },
        {"code": "Conflict", "message": "The start date should be defined"}
    ])
}
