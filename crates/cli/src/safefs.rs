//! Descriptor-based file system access for `reproscope extract`.
//!
//! An archive can plant symlinks (`a/up -> ..`) and then write through them, and the output
//! directory may already hold links; judging names as text cannot see either. So every path is
//! resolved from the output directory's descriptor without following any symlink: `openat2`
//! with `RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS` when the kernel has it, else one
//! `openat(O_NOFOLLOW | O_DIRECTORY)` per component. Entries are then made with the `*at` calls
//! under the parent's descriptor (mkdirat, symlinkat, linkat without AT_SYMLINK_FOLLOW,
//! openat with O_CREAT | O_EXCL | O_NOFOLLOW), so no link is ever traversed.

use std::ffi::CString;
use std::fs::File;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::sync::atomic::{AtomicU8, Ordering};

/// What is at a name, looked at without following a symlink.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Missing,
    Dir,
    File,
    Symlink,
    /// A device node, fifo or socket.
    Other,
}

impl Kind {
    pub fn label(self) -> &'static str {
        match self {
            Kind::Missing => "missing",
            Kind::Dir => "a directory",
            Kind::File => "a regular file",
            Kind::Symlink => "a symlink",
            Kind::Other => "a special file",
        }
    }
}

/// Where a walk from a directory stopped: component `at` of the path is `kind`, not a directory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Blocked {
    pub at: usize,
    pub kind: Kind,
}

/// An open directory; every operation takes a single path component relative to it.
#[derive(Debug)]
pub struct Dir(File);

/// One path component as a C string: non-empty, no '/', no NUL, not "." or "..".
fn component(name: &str) -> io::Result<CString> {
    if name.is_empty() || name == "." || name == ".." || name.contains('/') {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("not a single path component: {name:?}"),
        ));
    }
    CString::new(name).map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "name contains a NUL byte"))
}

/// A syscall's return value as a result (-1 means errno).
fn check(r: libc::c_long) -> io::Result<libc::c_long> {
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(r)
    }
}

const DIR_FLAGS: libc::c_int = libc::O_RDONLY | libc::O_DIRECTORY | libc::O_NOFOLLOW | libc::O_CLOEXEC;

/// openat2 state: 0 not tried, 1 works, 2 missing (old kernel, or filtered by seccomp).
static OPENAT2: AtomicU8 = AtomicU8::new(0);

impl Dir {
    /// The output directory itself, created if missing. Links in the path the user typed are
    /// followed (that path is the user's choice); nothing below it is.
    pub fn create_root(path: &Path) -> io::Result<Dir> {
        std::fs::create_dir_all(path)?;
        Dir::open_root(path)
    }

    /// An existing directory given by the user.
    pub fn open_root(path: &Path) -> io::Result<Dir> {
        let c = CString::new(path.as_os_str().as_bytes())
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "path contains a NUL byte"))?;
        let flags = libc::O_RDONLY | libc::O_DIRECTORY | libc::O_CLOEXEC;
        // SAFETY: c is a valid NUL-terminated string; the returned fd is owned below.
        let fd = check(unsafe { libc::open(c.as_ptr(), flags) }.into())?;
        Ok(Dir::from_fd(fd))
    }

    fn from_fd(fd: libc::c_long) -> Dir {
        // SAFETY: fd was just returned by a successful open and is owned by nobody else.
        Dir(File::from(unsafe { OwnedFd::from_raw_fd(fd as libc::c_int) }))
    }

    fn fd(&self) -> libc::c_int {
        self.0.as_raw_fd()
    }

    /// The directory at `path` (components) below this one, without following any symlink and
    /// without leaving this directory. Err(ELOOP/ENOTDIR/ENOENT) when a component is a link, not
    /// a directory or missing.
    pub fn open_beneath(&self, path: &[&str]) -> io::Result<Dir> {
        for c in path {
            component(c)?;
        }
        if OPENAT2.load(Ordering::Relaxed) != 2 {
            match self.openat2(path) {
                Ok(d) => {
                    OPENAT2.store(1, Ordering::Relaxed);
                    return Ok(d);
                }
                // Missing syscall (ENOSYS) or refused by a seccomp filter or an old kernel
                // (EPERM, EINVAL): use the component walk from now on.
                Err(e) if matches!(e.raw_os_error(), Some(libc::ENOSYS | libc::EPERM | libc::EINVAL)) => {
                    OPENAT2.store(2, Ordering::Relaxed);
                }
                // A path longer than PATH_MAX may still be walked one component at a time.
                Err(e) if e.raw_os_error() == Some(libc::ENAMETOOLONG) => {}
                Err(e) => return Err(e),
            }
        }
        self.walk(path)
    }

    fn openat2(&self, path: &[&str]) -> io::Result<Dir> {
        let p = if path.is_empty() {
            ".".to_string()
        } else {
            path.join("/")
        };
        let c = CString::new(p).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
        // SAFETY: open_how is plain data; all-zero is its valid default.
        let mut how: libc::open_how = unsafe { std::mem::zeroed() };
        how.flags = DIR_FLAGS as u64;
        how.resolve = libc::RESOLVE_BENEATH | libc::RESOLVE_NO_SYMLINKS;
        // SAFETY: valid fd, NUL-terminated path, and a pointer/size pair to a live open_how.
        let fd = check(unsafe {
            libc::syscall(
                libc::SYS_openat2,
                self.fd(),
                c.as_ptr(),
                &how as *const libc::open_how,
                std::mem::size_of::<libc::open_how>(),
            )
        })?;
        Ok(Dir::from_fd(fd))
    }

    /// The fallback of [`Dir::open_beneath`]: one no-follow open per component. Each component
    /// is a plain name (no '/', no ".."), so every step stays below the one before.
    pub fn walk(&self, path: &[&str]) -> io::Result<Dir> {
        let mut cur = self.open_here(".")?;
        for c in path {
            cur = cur.open_dir(c)?;
        }
        Ok(cur)
    }

    fn open_here(&self, name: &str) -> io::Result<Dir> {
        let c = CString::new(name).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
        // SAFETY: valid fd and NUL-terminated name; the fd returned is owned by the new Dir.
        let fd = check(unsafe { libc::openat(self.fd(), c.as_ptr(), DIR_FLAGS) }.into())?;
        Ok(Dir::from_fd(fd))
    }

    /// The directory `name` inside this one; ELOOP when it is a symlink, ENOTDIR when not a
    /// directory.
    pub fn open_dir(&self, name: &str) -> io::Result<Dir> {
        component(name)?;
        self.open_here(name)
    }

    /// Opens (creating what is missing) the directories of `path` below this one. A component
    /// that is a symlink or not a directory is never replaced or followed: the walk stops there.
    pub fn make_dirs(&self, path: &[&str]) -> io::Result<std::result::Result<Dir, Blocked>> {
        // The common case, everything already there, is one call.
        match self.open_beneath(path) {
            Ok(d) => return Ok(Ok(d)),
            Err(e) if is_blocked_or_missing(&e) => {}
            Err(e) => return Err(e),
        }
        let mut cur = self.open_here(".")?;
        for (i, c) in path.iter().enumerate() {
            match self.step(&cur, c)? {
                Ok(d) => cur = d,
                Err(kind) => return Ok(Err(Blocked { at: i, kind })),
            }
        }
        Ok(Ok(cur))
    }

    /// One component of [`Dir::make_dirs`].
    fn step(&self, cur: &Dir, c: &str) -> io::Result<std::result::Result<Dir, Kind>> {
        match cur.open_dir(c) {
            Ok(d) => return Ok(Ok(d)),
            Err(e) if e.raw_os_error() == Some(libc::ENOENT) => {}
            Err(e) if is_blocked_or_missing(&e) => return Ok(Err(cur.kind_of(c)?)),
            Err(e) => return Err(e),
        }
        match cur.mkdir(c) {
            Ok(()) => {}
            Err(e) if e.raw_os_error() == Some(libc::EEXIST) => {}
            Err(e) => return Err(e),
        }
        match cur.open_dir(c) {
            Ok(d) => Ok(Ok(d)),
            Err(e) if is_blocked_or_missing(&e) => Ok(Err(cur.kind_of(c)?)),
            Err(e) => Err(e),
        }
    }

    /// What `name` is, without following it.
    pub fn kind_of(&self, name: &str) -> io::Result<Kind> {
        let c = component(name)?;
        // SAFETY: stat is plain data, filled in by the kernel before it is read.
        let mut st: libc::stat = unsafe { std::mem::zeroed() };
        // SAFETY: valid fd, NUL-terminated name, pointer to a live stat buffer.
        let r = unsafe { libc::fstatat(self.fd(), c.as_ptr(), &mut st, libc::AT_SYMLINK_NOFOLLOW) };
        if r < 0 {
            let e = io::Error::last_os_error();
            return match e.raw_os_error() {
                Some(libc::ENOENT) => Ok(Kind::Missing),
                _ => Err(e),
            };
        }
        Ok(match st.st_mode & libc::S_IFMT {
            libc::S_IFDIR => Kind::Dir,
            libc::S_IFREG => Kind::File,
            libc::S_IFLNK => Kind::Symlink,
            _ => Kind::Other,
        })
    }

    /// A new directory (the process umask applies; the archive's mode is set later).
    pub fn mkdir(&self, name: &str) -> io::Result<()> {
        let c = component(name)?;
        // SAFETY: valid fd and NUL-terminated name.
        check(unsafe { libc::mkdirat(self.fd(), c.as_ptr(), 0o777) }.into()).map(drop)
    }

    /// Removes a non-directory (a symlink itself, never what it points to); Ok when missing.
    pub fn unlink(&self, name: &str) -> io::Result<()> {
        let c = component(name)?;
        // SAFETY: valid fd and NUL-terminated name.
        match check(unsafe { libc::unlinkat(self.fd(), c.as_ptr(), 0) }.into()) {
            Err(e) if e.raw_os_error() == Some(libc::ENOENT) => Ok(()),
            r => r.map(drop),
        }
    }

    /// A new regular file; fails if anything (a planted symlink included) is at `name`.
    pub fn create_file(&self, name: &str) -> io::Result<File> {
        let c = component(name)?;
        let flags = libc::O_WRONLY | libc::O_CREAT | libc::O_EXCL | libc::O_NOFOLLOW | libc::O_CLOEXEC;
        // SAFETY: valid fd and NUL-terminated name; the fd returned is owned by the File.
        let fd = check(unsafe { libc::openat(self.fd(), c.as_ptr(), flags, 0o666 as libc::c_uint) }.into())?;
        // SAFETY: fd was just returned by a successful openat and is owned by nobody else.
        Ok(File::from(unsafe { OwnedFd::from_raw_fd(fd as libc::c_int) }))
    }

    /// A symlink holding `target` verbatim.
    pub fn symlink(&self, target: &str, name: &str) -> io::Result<()> {
        let c = component(name)?;
        let t = CString::new(target)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "link target contains a NUL byte"))?;
        // SAFETY: valid fd and NUL-terminated strings.
        check(unsafe { libc::symlinkat(t.as_ptr(), self.fd(), c.as_ptr()) }.into()).map(drop)
    }

    /// A hard link `to_dir/to_name` of this directory's `name`. Without AT_SYMLINK_FOLLOW,
    /// linkat links a symlink itself, never its target.
    pub fn hard_link(&self, name: &str, to_dir: &Dir, to_name: &str) -> io::Result<()> {
        let a = component(name)?;
        let b = component(to_name)?;
        // SAFETY: valid fds and NUL-terminated names.
        check(unsafe { libc::linkat(self.fd(), a.as_ptr(), to_dir.fd(), b.as_ptr(), 0) }.into()).map(drop)
    }

    /// Sets the modification time of `name` itself (a symlink's own time, not its target's);
    /// the access time is left alone.
    pub fn set_mtime_nofollow(&self, name: &str, mtime: i64) -> io::Result<()> {
        let c = component(name)?;
        let times = [
            libc::timespec {
                tv_sec: 0,
                tv_nsec: libc::UTIME_OMIT,
            },
            libc::timespec {
                tv_sec: mtime as libc::time_t,
                tv_nsec: 0,
            },
        ];
        // SAFETY: valid fd, NUL-terminated name, pointer to two live timespecs.
        check(unsafe { libc::utimensat(self.fd(), c.as_ptr(), times.as_ptr(), libc::AT_SYMLINK_NOFOLLOW) }.into())
            .map(drop)
    }

    /// The directory's own descriptor, for fchmod and futimens.
    pub fn file(&self) -> &File {
        &self.0
    }
}

fn is_blocked_or_missing(e: &io::Error) -> bool {
    // EXDEV: openat2 refused to leave the directory (cannot happen with plain names, but is
    // a refusal, not trouble).
    matches!(
        e.raw_os_error(),
        Some(libc::ENOENT | libc::ELOOP | libc::ENOTDIR | libc::EXDEV)
    )
}

/// Mode bits that may be restored: permissions only, never setuid, setgid or sticky.
pub fn permission_bits(mode: u32) -> u32 {
    mode & 0o777
}

/// Sets mode (permission bits only) and modification time through an open descriptor.
pub fn set_meta(f: &File, mode: Option<u32>, mtime: Option<i64>) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    if let Some(m) = mode {
        f.set_permissions(std::fs::Permissions::from_mode(permission_bits(m)))?;
    }
    if let Some(t) = mtime {
        f.set_times(std::fs::FileTimes::new().set_modified(system_time(t)))?;
    }
    Ok(())
}

fn system_time(t: i64) -> std::time::SystemTime {
    let d = std::time::Duration::from_secs(t.unsigned_abs());
    if t >= 0 {
        std::time::UNIX_EPOCH + d
    } else {
        std::time::UNIX_EPOCH - d
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup() -> (tempfile::TempDir, Dir) {
        let t = tempfile::tempdir().unwrap();
        std::fs::create_dir(t.path().join("out")).unwrap();
        let d = Dir::open_root(&t.path().join("out")).unwrap();
        (t, d)
    }

    #[test]
    fn names_must_be_single_components() {
        for bad in ["", ".", "..", "a/b", "/", "a\0b"] {
            assert!(component(bad).is_err(), "{bad:?}");
        }
        assert!(component("a b\\c").is_ok());
    }

    #[test]
    fn walks_refuse_symlinks_in_the_middle() {
        let (t, root) = setup();
        let out = t.path().join("out");
        std::fs::create_dir(out.join("a")).unwrap();
        std::os::unix::fs::symlink("..", out.join("a/up")).unwrap();
        std::os::unix::fs::symlink("/", out.join("root")).unwrap();
        std::fs::write(out.join("f"), b"x").unwrap();
        for via in [true, false] {
            let open = |p: &[&str]| if via { root.open_beneath(p) } else { root.walk(p) };
            assert!(open(&["a"]).is_ok());
            // openat2 says ELOOP for a link; openat(O_NOFOLLOW | O_DIRECTORY) says ENOTDIR.
            let refused =
                |r: io::Result<Dir>| matches!(r.unwrap_err().raw_os_error(), Some(libc::ELOOP | libc::ENOTDIR));
            assert!(refused(open(&["a", "up"])));
            assert!(refused(open(&["root", "tmp"])));
            assert_eq!(open(&["f"]).unwrap_err().raw_os_error(), Some(libc::ENOTDIR));
            assert!(open(&["a", ".."]).is_err());
        }
        assert_eq!(
            root.make_dirs(&["a", "up", "esc"]).unwrap().unwrap_err(),
            Blocked {
                at: 1,
                kind: Kind::Symlink
            }
        );
        assert_eq!(
            root.make_dirs(&["f", "x"]).unwrap().unwrap_err(),
            Blocked {
                at: 0,
                kind: Kind::File
            }
        );
        // Nothing was created through the links.
        assert!(!t.path().join("esc").exists());
        let d = root.make_dirs(&["new", "deep"]).unwrap().unwrap();
        d.create_file("x").unwrap();
        assert!(out.join("new/deep/x").is_file());
    }

    #[test]
    fn files_replace_links_without_following_them() {
        let (t, root) = setup();
        let out = t.path().join("out");
        std::fs::write(t.path().join("victim"), b"keep").unwrap();
        std::os::unix::fs::symlink("../victim", out.join("f")).unwrap();
        assert!(
            root.create_file("f").is_err(),
            "O_EXCL|O_NOFOLLOW refuses the planted link"
        );
        assert_eq!(root.kind_of("f").unwrap(), Kind::Symlink);
        root.unlink("f").unwrap();
        use std::io::Write;
        root.create_file("f").unwrap().write_all(b"new").unwrap();
        assert_eq!(std::fs::read(t.path().join("victim")).unwrap(), b"keep");
        assert_eq!(std::fs::read(out.join("f")).unwrap(), b"new");
        // A hard link of a symlink links the symlink itself.
        root.symlink("/etc/passwd", "l").unwrap();
        root.hard_link("l", &root, "l2").unwrap();
        assert_eq!(root.kind_of("l2").unwrap(), Kind::Symlink);
        root.set_mtime_nofollow("l2", 1_000_000).unwrap();
        let md = std::fs::symlink_metadata(out.join("l2")).unwrap();
        use std::os::unix::fs::MetadataExt;
        assert_eq!(md.mtime(), 1_000_000);
    }

    /// Without openat2 (old kernel, seccomp), the component walk refuses the same paths.
    #[test]
    fn the_fallback_walk_refuses_links_too() {
        let (t, root) = setup();
        let out = t.path().join("out");
        std::fs::create_dir(out.join("a")).unwrap();
        std::os::unix::fs::symlink("..", out.join("a/up")).unwrap();
        let saved = OPENAT2.swap(2, Ordering::Relaxed);
        let link = root.open_beneath(&["a", "up"]).map(drop);
        let dir = root.open_beneath(&["a"]).map(drop);
        let made = root.make_dirs(&["a", "up", "x"]).unwrap().map(drop);
        OPENAT2.store(saved, Ordering::Relaxed);
        assert!(matches!(
            link.unwrap_err().raw_os_error(),
            Some(libc::ELOOP | libc::ENOTDIR)
        ));
        assert!(dir.is_ok());
        assert_eq!(
            made,
            Err(Blocked {
                at: 1,
                kind: Kind::Symlink
            })
        );
        // A path longer than PATH_MAX is walked, not refused.
        let deep: Vec<String> = (0..400).map(|i| format!("component-{i:04}")).collect();
        let deep: Vec<&str> = deep.iter().map(String::as_str).collect();
        assert!(root.make_dirs(&deep).unwrap().is_ok());
        assert!(root.open_beneath(&deep).is_ok());
    }

    #[test]
    fn modes_lose_special_bits() {
        assert_eq!(permission_bits(0o104755), 0o755);
        assert_eq!(permission_bits(0o7777), 0o777);
    }
}
