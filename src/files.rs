//! The files golive touches besides the network: the CI's output and summary files it
//! appends to, the dotenv file it creates, the federated token file it reads.
//!
//! A hostile or broken set-up must not make any of them hang the run or write somewhere
//! else: every open is non-blocking (a FIFO with no reader or writer fails at once instead
//! of waiting past the run's deadline and its signals), only regular files are accepted,
//! reads are capped, and a file golive creates is written beside itself and renamed into
//! place, so a symlink planted under its name is replaced, never followed.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

/// Opens with `O_NONBLOCK` where there is such a thing: opening a FIFO then never waits
/// for the other end (on a regular file the flag changes nothing).
fn non_blocking(options: &mut OpenOptions) -> &mut OpenOptions {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    options
}

/// The opened file, if it is a regular file; anything else (a FIFO, a device, a
/// directory) is refused before a byte is read or written.
fn regular(file: File) -> io::Result<File> {
    if file.metadata()?.is_file() {
        Ok(file)
    } else {
        Err(not_regular())
    }
}

fn not_regular() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        "not a regular file (a FIFO, a device or a directory)",
    )
}

/// Opens the regular file at `path` to append, creating it if need be. Something else
/// already there is refused by name before it is opened (and, should it appear in
/// between, the non-blocking open and the check after it still refuse it).
fn open_append(path: &Path) -> io::Result<File> {
    if let Ok(found) = std::fs::metadata(path)
        && !found.is_file()
    {
        return Err(not_regular());
    }
    regular(non_blocking(OpenOptions::new().create(true).append(true)).open(path)?)
}

/// Appends `content` to the regular file at `path`, creating it if need be.
pub fn append(path: &Path, content: &str) -> io::Result<()> {
    open_append(path)?.write_all(content.as_bytes())
}

/// Whether `append` could write to `path` now, without writing anything.
pub fn check_appendable(path: &Path) -> io::Result<()> {
    open_append(path).map(drop)
}

/// Whether `replace` could write `path` now: a file can be created beside it.
pub fn check_replaceable(path: &Path) -> io::Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let probe = path.with_file_name(format!(".{name}.{}.probe", crate::text::random_token()));
    non_blocking(OpenOptions::new().write(true).create_new(true)).open(&probe)?;
    std::fs::remove_file(&probe)
}

/// Reads at most `cap` bytes of the regular file at `path`; a longer file is an error.
pub fn read_capped(path: &Path, cap: u64) -> io::Result<String> {
    let file = regular(non_blocking(OpenOptions::new().read(true)).open(path)?)?;
    let mut text = String::new();
    file.take(cap + 1).read_to_string(&mut text)?;
    if text.len() as u64 > cap {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("larger than {cap} bytes"),
        ));
    }
    Ok(text)
}

/// Writes `content` as the whole of `path`: into a new file beside it (created, never
/// opened through a link), then renamed over `path`. A symlink at `path` is replaced by
/// the file; its target is never touched.
pub fn replace(path: &Path, content: &str) -> io::Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temporary: PathBuf =
        path.with_file_name(format!(".{name}.{}.tmp", crate::text::random_token()));
    let written = non_blocking(OpenOptions::new().write(true).create_new(true))
        .open(&temporary)
        .and_then(|mut file| file.write_all(content.as_bytes()))
        .and_then(|()| std::fs::rename(&temporary, path));
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replace_never_follows_a_symlink_and_leaves_its_target_alone() -> io::Result<()> {
        let dir = tempfile::tempdir()?;
        let outside = dir.path().join("outside.txt");
        std::fs::write(&outside, "precious")?;
        let planted = dir.path().join("golive.env");
        #[cfg(unix)]
        std::os::unix::fs::symlink(&outside, &planted)?;
        replace(&planted, "GOLIVE_STATUS=accepted\n")?;
        assert_eq!(std::fs::read_to_string(&outside)?, "precious");
        assert_eq!(
            std::fs::read_to_string(&planted)?,
            "GOLIVE_STATUS=accepted\n"
        );
        assert!(
            !std::fs::symlink_metadata(&planted)?
                .file_type()
                .is_symlink()
        );
        // Nothing is left beside it.
        assert_eq!(std::fs::read_dir(dir.path())?.count(), 2);
        Ok(())
    }

    #[test]
    fn reads_are_capped_and_only_regular_files_are_read() -> io::Result<()> {
        let dir = tempfile::tempdir()?;
        let file = dir.path().join("token");
        std::fs::write(&file, "x".repeat(100))?;
        assert_eq!(read_capped(&file, 100)?.len(), 100);
        assert!(read_capped(&file, 99).is_err());
        assert!(read_capped(dir.path(), 99).is_err());
        assert!(append(dir.path(), "x").is_err());
        Ok(())
    }
}
