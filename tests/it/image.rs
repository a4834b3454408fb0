//! What the `FROM scratch` image holds, proven without a Docker daemon: the static
//! release binary, chrooted into a folder that holds only it and a CA bundle at
//! /etc/ssl/certs/ca-certificates.crt, does a full trigger-and-wait over HTTPS against a
//! loopback API whose certificate only that bundle trusts.
//!
//! Needs root (chroot) and the static binary, so it is ignored by default; .ci/run runs it:
//!     GOLIVE_STATIC_BINARY=target/x86_64-unknown-linux-musl/release/golive \
//!         cargo test --test image -- --ignored

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;

use crate::support::{
    GOLIVE_PATH, OP_PATH, Reply, Server, TOKEN, accepted, operation, parse_github_output,
};

/// The empty root: the binary, the CA bundle, and the folder the runner mounts for
/// file commands. Returns the root and its file list.
fn scratch_root(binary: &Path, ca_bundle: &str) -> (tempfile::TempDir, Vec<PathBuf>) {
    let root = tempfile::tempdir().unwrap();
    let certs = root.path().join("etc/ssl/certs");
    fs::create_dir_all(&certs).unwrap();
    fs::write(certs.join("ca-certificates.crt"), ca_bundle).unwrap();
    {
        let _guard = WRITING_OR_SPAWNING
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        fs::copy(binary, root.path().join("golive"))
            .unwrap_or_else(|e| panic!("copy {}: {e}", binary.display()));
    }
    let files = vec![
        PathBuf::from("/golive"),
        PathBuf::from("/etc/ssl/certs/ca-certificates.crt"),
    ];
    fs::create_dir_all(root.path().join("github/file_commands")).unwrap();
    (root, files)
}

fn static_binary() -> PathBuf {
    let path = std::env::var("GOLIVE_STATIC_BINARY")
        .expect("set GOLIVE_STATIC_BINARY to the static musl release binary");
    PathBuf::from(path)
}

/// `chroot` from this process's PATH (the child's environment is cleared).
fn chroot() -> PathBuf {
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|dir| dir.join("chroot"))
        .find(|path| path.is_file())
        .unwrap_or_else(|| panic!("no chroot on PATH"))
}

/// Held while a root's binary is written and while a chroot is spawned: a process forked
/// while another test still has its copy of /golive open for writing would hold that
/// descriptor until its own exec, and exec of the copy would fail with "Text file busy".
static WRITING_OR_SPAWNING: Mutex<()> = Mutex::new(());

fn chroot_golive(root: &Path, base_url: &str) -> std::process::Output {
    let mut command = Command::new(chroot());
    command
        .arg(root)
        .arg("/golive")
        .env_clear()
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_OUTPUT", "/github/file_commands/output")
        .env("INPUT_PUBLISHER-ID", "contoso")
        .env("INPUT_OFFER-ID", "contoso-offer")
        .env("INPUT_TOKEN", TOKEN)
        .env("INPUT_BASE-URL", base_url)
        .env("INPUT_WAIT", "true")
        .env("INPUT_POLL-INTERVAL", "50ms")
        .env("INPUT_TIMEOUT", "30s")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // A test binary's other threads fork too (golive_on spawns): if one of them still
    // holds a written copy open, wait for its exec and try again.
    let mut tries = 0;
    let child = loop {
        let spawned = {
            let _guard = WRITING_OR_SPAWNING
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            command.spawn()
        };
        match spawned {
            Err(e) if e.raw_os_error() == Some(ETXTBSY) && tries < 50 => {
                tries += 1;
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            other => break other.expect("chroot (needs root)"),
        }
    };
    child.wait_with_output().expect("chroot output")
}

/// "Text file busy" on Linux.
const ETXTBSY: i32 = 26;

#[test]
#[ignore = "needs root and GOLIVE_STATIC_BINARY; run by .ci/run"]
fn the_static_binary_goes_live_in_an_empty_root_over_https() {
    let (server, ca) = Server::start_tls();
    server.route("POST", GOLIVE_PATH, vec![accepted(&server)]);
    server.route(
        "GET",
        OP_PATH,
        vec![
            Reply::json(200, &operation("running", "inProgress", 50)),
            Reply::json(200, &operation("completed", "completed", 100)),
        ],
    );
    let (root, files) = scratch_root(&static_binary(), &ca);
    let output = chroot_golive(root.path(), &server.url());
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(output.status.code(), Some(0), "{log}");
    let outputs = parse_github_output(
        &fs::read_to_string(root.path().join("github/file_commands/output")).unwrap_or_default(),
    );
    assert_eq!(
        outputs.get("status").map(String::as_str),
        Some("succeeded"),
        "{log}"
    );
    assert_eq!(
        outputs.get("operation-id").map(String::as_str),
        Some("op-1")
    );
    assert_eq!(server.hits("POST", GOLIVE_PATH).len(), 1);
    assert_eq!(server.hits("GET", OP_PATH).len(), 2);
    let size: u64 = files
        .iter()
        .map(|f| {
            fs::metadata(root.path().join(f.strip_prefix("/").unwrap_or(f))).map_or(0, |m| m.len())
        })
        .sum();
    println!("scratch image files: {files:?}, {size} bytes in all");
}

#[test]
#[ignore = "needs root and GOLIVE_STATIC_BINARY; run by .ci/run"]
fn in_an_empty_root_without_the_right_ca_the_certificate_is_refused() {
    let (server, _) = Server::start_tls();
    let (other, other_ca) = Server::start_tls();
    drop(other);
    server.route("POST", GOLIVE_PATH, vec![accepted(&server)]);
    let (root, _) = scratch_root(&static_binary(), &other_ca);
    let output = chroot_golive(root.path(), &server.url());
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(output.status.code(), Some(1), "{log}");
    assert!(log.contains("TLS certificate is not trusted"), "{log}");
    assert!(server.requests().is_empty());
}
