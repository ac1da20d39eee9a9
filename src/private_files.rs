//! Files and folders only this user may read: the server's database and
//! customers' files, the client's tokens and drafts. On Unix, folders are
//! 0700 and files 0600; elsewhere the platform's defaults apply.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::Path;

#[cfg(unix)]
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};

/// Creates a folder and any missing parents, each 0700.
pub fn create_private_dir(dir: &Path) -> io::Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    b.mode(0o700);
    b.create(dir)
}

/// Creates a new, empty file that only this user may read and write
/// (or leaves an existing one as it is, apart from its mode).
pub fn create_private_file(path: &Path) -> io::Result<File> {
    let mut o = OpenOptions::new();
    o.write(true).create(true).truncate(false);
    #[cfg(unix)]
    o.mode(0o600);
    let f = o.open(path)?;
    make_private(path)?;
    Ok(f)
}

/// Opens a new file for writing, 0600 from its first byte (fails if it
/// exists).
pub fn create_new_private_file(path: &Path) -> io::Result<File> {
    let mut o = OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    o.mode(0o600);
    o.open(path)
}

/// Takes group and other access off an existing file or folder.
pub fn make_private(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        let meta = std::fs::metadata(path)?;
        let mode = meta.permissions().mode();
        let wanted = if meta.is_dir() {
            mode & 0o700
        } else {
            mode & 0o600
        };
        if mode & 0o777 != wanted {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(wanted))?;
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn folders_and_files_are_for_this_user_only() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("a/b");
        create_private_dir(&dir).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&tmp.path().join("a")), 0o700);
        let f = dir.join("db");
        create_private_file(&f).unwrap();
        assert_eq!(mode(&f), 0o600);
        let loose = dir.join("old");
        std::fs::write(&loose, b"x").unwrap();
        std::fs::set_permissions(&loose, std::fs::Permissions::from_mode(0o644)).unwrap();
        make_private(&loose).unwrap();
        assert_eq!(mode(&loose), 0o600);
        assert!(create_new_private_file(&loose).is_err());
    }
}
