//! `reproscope run`: deterministic builds with real compilers and runtimes (gcc, gcc -static,
//! Debian's golang, python3, coreutils), each run under the supervisor and compared.

mod common;

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const EPOCH: &str = "1704067200"; // 2024-01-01 00:00:00 UTC

fn reproscope(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_reproscope"))
        .args(args)
        .current_dir(dir)
        .env_remove("SOURCE_DATE_EPOCH")
        .output()
        .expect("run reproscope")
}

/// `reproscope run --epoch EPOCH [extra] -- cmd...`, which must succeed; its stdout.
fn run_ok(dir: &Path, extra: &[&str], cmd: &[&str]) -> Vec<u8> {
    let mut args = vec!["run", "--epoch", EPOCH];
    args.extend_from_slice(extra);
    args.push("--");
    args.extend_from_slice(cmd);
    let o = reproscope(dir, &args);
    assert!(
        o.status.success(),
        "{args:?}: {:?}\n{}",
        o.status,
        String::from_utf8_lossy(&o.stderr)
    );
    o.stdout
}

fn native(dir: &Path, cmd: &[&str]) -> Vec<u8> {
    let o = Command::new(cmd[0])
        .args(&cmd[1..])
        .current_dir(dir)
        .output()
        .expect(cmd[0]);
    assert!(o.status.success(), "{cmd:?}: {}", String::from_utf8_lossy(&o.stderr));
    o.stdout
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn gcc_date_time_timestamp_are_fixed() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    std::fs::write(
        dir.join("stamp.c"),
        "const char *stamp = __DATE__ \" \" __TIME__ \" | \" __TIMESTAMP__;\n",
    )
    .unwrap();
    fn compile(out: &str) -> [&str; 5] {
        ["gcc", "-c", "stamp.c", "-o", out]
    }
    // SOURCE_DATE_EPOCH not exported: gcc's own support for it cannot be what fixes the clock,
    // and it never covers __TIMESTAMP__ (the source's mtime) anyway.
    run_ok(dir, &["--no-source-date-epoch"], &compile("run1.o"));
    native(dir, &compile("native1.o"));
    std::thread::sleep(Duration::from_millis(2100));
    native(dir, &["touch", "stamp.c"]);
    run_ok(dir, &["--no-source-date-epoch"], &compile("run2.o"));
    native(dir, &compile("native2.o"));
    let read = |n: &str| std::fs::read(dir.join(n)).unwrap();
    assert_eq!(read("run1.o"), read("run2.o"), "objects built under run differ");
    assert_ne!(
        read("native1.o"),
        read("native2.o"),
        "native objects should differ (__TIME__ moved 2 s)"
    );
    let o = read("run1.o");
    // __DATE__ __TIME__ read the clock (the epoch); __TIMESTAMP__ the source's time, which was
    // there before the run, so one second earlier.
    let want = b"Jan  1 2024 00:00:00 | Sun Dec 31 23:59:59 2023";
    assert!(
        o.windows(want.len()).any(|w| w == want),
        "the epoch is not in the object"
    );
}

#[test]
fn static_c_program_sees_the_deterministic_clock() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    std::fs::write(
        dir.join("clock.c"),
        r#"#include <stdio.h>
#include <time.h>
#include <sys/time.h>
int main(void) {
    time_t t = time(NULL);
    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct timespec ts, m1, m2;
    clock_gettime(CLOCK_REALTIME, &ts);
    clock_gettime(CLOCK_MONOTONIC, &m1);
    clock_gettime(CLOCK_MONOTONIC, &m2);
    int mono_ok = m2.tv_sec > m1.tv_sec || (m2.tv_sec == m1.tv_sec && m2.tv_nsec >= m1.tv_nsec);
    printf("%ld %ld.%06ld %ld.%09ld monotonic:%d\n", (long)t, (long)tv.tv_sec, (long)tv.tv_usec,
           (long)ts.tv_sec, ts.tv_nsec, mono_ok);
    return 0;
}
"#,
    )
    .unwrap();
    native(dir, &["gcc", "-static", "-O2", "-o", "clock", "clock.c"]);
    let a = run_ok(dir, &[], &["./clock"]);
    let b = run_ok(dir, &[], &["./clock"]);
    assert_eq!(a, b);
    // One call, one step (1 ms) further.
    assert_eq!(
        text(&a),
        "1704067200 1704067200.001000 1704067200.002000000 monotonic:1\n"
    );
    let real = native(dir, &["./clock"]);
    assert_ne!(real, a);
    // --no-time: the real clock again.
    let off = run_ok(dir, &["--no-time"], &["./clock"]);
    assert!(!text(&off).starts_with(EPOCH), "{}", text(&off));
}

#[test]
fn go_time_now_is_fixed() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    std::fs::write(
        dir.join("main.go"),
        r#"package main

import (
	"fmt"
	"time"
)

func main() {
	start := time.Now()
	fmt.Println(start.Round(0), start.UnixNano())
	fmt.Println(time.Since(start) >= 0)
}
"#,
    )
    .unwrap();
    let o = Command::new("go")
        .args(["build", "-o", "now", "main.go"])
        .current_dir(dir)
        .env("GOCACHE", dir.join("gocache"))
        .env("GOPATH", dir.join("gopath"))
        .env("GO111MODULE", "off")
        .env("GOFLAGS", "")
        .output()
        .expect("go (Debian package golang-go; .ci/run installs it)");
    assert!(o.status.success(), "go build: {}", text(&o.stderr));
    let a = run_ok(dir, &[], &["./now"]);
    let b = run_ok(dir, &[], &["./now"]);
    assert_eq!(a, b);
    assert!(
        text(&a).starts_with("2024-01-01 00:00:00 +0000 UTC 1704067200000000000\ntrue\n"),
        "{}",
        text(&a)
    );
}

#[test]
fn python_time_and_urandom_are_fixed() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let py = if Path::new("/usr/bin/python3").exists() {
        "/usr/bin/python3"
    } else {
        "python3"
    };
    let cmd = [py, "-c", "import os, time; print(time.time()); print(os.urandom(8).hex()); print(open('/dev/urandom', 'rb').read(8).hex())"];
    let a = run_ok(dir, &[], &cmd);
    let b = run_ok(dir, &[], &cmd);
    assert_eq!(a, b);
    assert!(text(&a).starts_with("17040672"), "{}", text(&a));
    let other_seed = run_ok(dir, &["--seed", "1"], &cmd);
    assert_ne!(a, other_seed);
    let lines: Vec<&str> = std::str::from_utf8(&a).unwrap().lines().collect();
    assert_ne!(lines[1], lines[2], "getrandom and /dev/urandom give different bytes");
}

#[test]
fn directory_order_is_sorted() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let names = ["q", "b", "zz", "a", "m", "c", "x", "k", "aa", "y1", "y0"];
    for n in names {
        std::fs::write(dir.join(n), n).unwrap();
    }
    let out = run_ok(dir, &[], &["ls", "-f", "-a"]);
    let mut want: Vec<&str> = names.to_vec();
    want.extend([".", ".."]);
    want.sort();
    assert_eq!(text(&out).lines().collect::<Vec<_>>(), want);
}

#[test]
fn a_big_directory_is_sorted_as_a_whole_and_seekdir_works() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let files = dir.join("files");
    std::fs::create_dir(&files).unwrap();
    // ~150 KB of entries: several getdents64 buffers, so sorting each result would not do.
    let mut names: Vec<String> = (0..3000u32)
        .map(|i| format!("entry-with-a-longer-name-{:05}", (i * 7919) % 3000))
        .collect();
    for n in &names {
        std::fs::write(files.join(n), "").unwrap();
    }
    names.extend([".".into(), "..".into()]);
    names.sort();
    let out = run_ok(dir, &[], &["ls", "-f", "-a", "files"]);
    assert_eq!(text(&out).lines().collect::<Vec<_>>(), names);
    std::fs::write(
        dir.join("seek.c"),
        r#"#include <dirent.h>
#include <stdio.h>
int main(void) {
    DIR *d = opendir("files");
    struct dirent *e;
    long mark = 0;
    int n = 0;
    while ((e = readdir(d))) {
        if (++n == 1000) mark = telldir(d);
    }
    seekdir(d, mark);
    e = readdir(d);
    printf("%d %s\n", n, e ? e->d_name : "-");
    rewinddir(d);
    e = readdir(d);
    printf("%s\n", e ? e->d_name : "-");
    return 0;
}
"#,
    )
    .unwrap();
    native(dir, &["gcc", "-o", "seek", "seek.c"]);
    let out = run_ok(dir, &[], &["./seek"]);
    assert_eq!(text(&out), format!("3002 {}\n.\n", names[1000]));
}

#[test]
fn host_and_domain_name_are_fixed() {
    let d = tempfile::tempdir().unwrap();
    let out = run_ok(d.path(), &[], &["hostname"]);
    assert_eq!(text(&out), "reproscope\n");
    let out = run_ok(
        d.path(),
        &["--hostname", "builder", "--domainname", "example.org"],
        &["uname", "-n"],
    );
    assert_eq!(text(&out), "builder\n");
    let out = run_ok(d.path(), &["--domainname", "example.org"], &["domainname"]);
    assert_eq!(text(&out), "example.org\n");
}

#[test]
fn environment_is_fixed_and_switchable() {
    let d = tempfile::tempdir().unwrap();
    let script = "echo $TZ $LC_ALL $SOURCE_DATE_EPOCH; umask";
    let out = run_ok(d.path(), &[], &["sh", "-c", script]);
    assert_eq!(text(&out), "UTC C.UTF-8 1704067200\n0022\n");
    let out = Command::new(env!("CARGO_BIN_EXE_reproscope"))
        .args([
            "run",
            "--epoch",
            EPOCH,
            "--no-tz",
            "--no-locale",
            "--no-source-date-epoch",
            "--",
            "sh",
            "-c",
        ])
        .arg("echo \"$TZ|$LC_ALL|$SOURCE_DATE_EPOCH\"")
        .env_remove("TZ")
        .env_remove("LC_ALL")
        .env_remove("SOURCE_DATE_EPOCH")
        .output()
        .unwrap();
    assert_eq!(text(&out.stdout), "||\n");
}

#[test]
fn files_keep_their_order_with_fixed_times() {
    let d = tempfile::tempdir().unwrap();
    // Everything reads as written in the second before the epoch (the clock's start: nothing is
    // in the future for make): a source from before the run at its start, what the build writes
    // later in it, in the order written (Automake's "newly created file is older than
    // distributed files" check, make's rules, `ls -t`), the same in every run.
    std::fs::write(d.path().join("configure"), "#!/bin/sh\n").unwrap();
    let script = "echo hi > new; sleep 0.1; echo ho > newer; stat -c '%X %Y %Z' new; stat -c %y configure new newer; ls -t newer new configure; date +%s";
    let first = run_ok(d.path(), &[], &["sh", "-c", script]);
    assert_eq!(
        text(&first),
        "1704067199 1704067199 1704067199\n\
         2023-12-31 23:59:59.000000000 +0000\n\
         2023-12-31 23:59:59.500000000 +0000\n\
         2023-12-31 23:59:59.500000100 +0000\n\
         newer\nnew\nconfigure\n1704067200\n"
    );
    std::fs::remove_file(d.path().join("newer")).unwrap();
    std::fs::remove_file(d.path().join("new")).unwrap();
    let again = run_ok(d.path(), &[], &["sh", "-c", script]);
    assert_eq!(text(&again), text(&first));
    let out = run_ok(d.path(), &["--no-file-times"], &["stat", "-c", "%Y", "new"]);
    assert_ne!(text(&out), "1704067200\n");
}

#[test]
fn exit_status_and_signals_pass_through() {
    let d = tempfile::tempdir().unwrap();
    let o = reproscope(d.path(), &["run", "--", "sh", "-c", "echo building; exit 3"]);
    assert_eq!(o.status.code(), Some(3));
    assert_eq!(text(&o.stdout), "building\n");
    let o = reproscope(d.path(), &["run", "--", "false"]);
    assert_eq!(o.status.code(), Some(1));
    // Death by a signal: reproscope dies of the same signal.
    let o = reproscope(d.path(), &["run", "--", "sh", "-c", "kill -TERM $$"]);
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(o.status.signal(), Some(15), "{:?}", o.status);
    let o = reproscope(d.path(), &["run", "--", "no-such-command-xyz"]);
    assert_eq!(o.status.code(), Some(127));
    // As a shell: a path that is not there is 127 too, a file that cannot be executed 126.
    let o = reproscope(d.path(), &["run", "--", "./no-such-script"]);
    assert_eq!(o.status.code(), Some(127), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("./no-such-script: command not found"),
        "{}",
        text(&o.stderr)
    );
    let script = d.path().join("not-executable.sh");
    std::fs::write(&script, "#!/bin/sh\necho no\n").unwrap();
    let o = reproscope(d.path(), &["run", "--", script.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(126), "{}", text(&o.stderr));
    let o = reproscope(d.path(), &["run", "--", d.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(126), "{}", text(&o.stderr));
}

#[test]
fn a_signal_to_reproscope_stops_the_whole_tree() {
    let d = tempfile::tempdir().unwrap();
    let start = Instant::now();
    // A build with a background job and one that ignores the signal: the first is passed the
    // signal, the second is killed after the grace period.
    let mut child = Command::new(env!("CARGO_BIN_EXE_reproscope"))
        .args([
            "run",
            "--",
            "sh",
            "-c",
            "sleep 30 & trap '' TERM; sleep 30; echo not-stopped",
        ])
        .current_dir(d.path())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let status = child.wait().unwrap();
    assert!(start.elapsed() < Duration::from_secs(15), "the tree was not stopped");
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(status.signal(), Some(15), "{status:?}");
    let mut out = String::new();
    use std::io::Read;
    child.stdout.take().unwrap().read_to_string(&mut out).unwrap();
    assert!(!out.contains("not-stopped"));
}

#[test]
fn explain_lists_the_rewrites() {
    let d = tempfile::tempdir().unwrap();
    let o = reproscope(
        d.path(),
        &[
            "run",
            "--explain",
            "--",
            "sh",
            "-c",
            "date; ls; head -c 4 /dev/urandom >/dev/null",
        ],
    );
    assert!(o.status.success());
    let e = text(&o.stderr);
    for want in [
        "clock answered in the process by the vDSO at 4 execs",
        "stat calls",
        "/dev/urandom and /dev/random 1 reads (4 bytes;",
        "getdents64",
        "hostname \"reproscope\"",
        "TZ=UTC",
    ] {
        assert!(e.contains(want), "missing {want:?} in\n{e}");
    }
}

#[test]
fn build_path_runs_the_build_at_a_fixed_directory() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("input"), "x").unwrap();
    let target = d.path().join("mnt").join("build");
    let t = target.to_str().unwrap();
    let out = run_ok(
        d.path(),
        &["--build-path", t],
        &["sh", "-c", "pwd; cat input; echo y > output"],
    );
    assert_eq!(text(&out), format!("{t}\nx"));
    // What the build wrote is in the real directory; the mount is gone.
    assert_eq!(std::fs::read_to_string(d.path().join("output")).unwrap(), "y\n");
    assert!(!target.join("input").exists());
}

#[test]
fn a_parallel_make_build_is_reproducible() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let mut objs = Vec::new();
    for i in 0..6 {
        std::fs::write(
            dir.join(format!("f{i}.c")),
            format!("const char *f{i}(void) {{ return __DATE__ \" \" __TIME__ \" \" __TIMESTAMP__; }}\n"),
        )
        .unwrap();
        objs.push(format!("f{i}.o"));
    }
    std::fs::write(
        dir.join("Makefile"),
        format!(
            "lib.a: {o}\n\tar rcs $@ {o}\n\tdate > stamp\n%.o: %.c\n\tgcc -c $< -o $@\n",
            o = objs.join(" ")
        ),
    )
    .unwrap();
    let build = |extra: &[&str]| {
        let _ = std::fs::remove_file(dir.join("lib.a"));
        for o in &objs {
            let _ = std::fs::remove_file(dir.join(o));
        }
        run_ok(dir, extra, &["make", "-s", "-j2"]);
        (
            std::fs::read(dir.join("lib.a")).unwrap(),
            std::fs::read(dir.join("stamp")).unwrap(),
        )
    };
    let a = build(&["--no-source-date-epoch"]);
    std::thread::sleep(Duration::from_millis(1100));
    let b = build(&["--no-source-date-epoch"]);
    assert_eq!(a, b);
}

/// An Automake project (configure.ac and Makefile.am, made into `configure` by autoreconf)
/// configures and builds under `run` in two directories, its sources checked out at two other
/// times, with identical outputs: Automake's check that newly created files are newer than the
/// distributed ones holds, because files from before the run read as older than what the build
/// writes.
#[test]
fn an_autotools_project_configures_and_builds_twice_alike() {
    if !common::have(&["autoreconf", "automake", "make", "gcc"]) {
        return;
    }
    let d = tempfile::tempdir().unwrap();
    let src = d.path().join("src");
    std::fs::create_dir(&src).unwrap();
    std::fs::write(
        src.join("configure.ac"),
        "AC_INIT([greet], [1.0])\nAM_INIT_AUTOMAKE([foreign])\nAC_PROG_CC\nAC_CONFIG_FILES([Makefile])\nAC_OUTPUT\n",
    )
    .unwrap();
    std::fs::write(
        src.join("Makefile.am"),
        "bin_PROGRAMS = greet\ngreet_SOURCES = greet.c\n",
    )
    .unwrap();
    std::fs::write(
        src.join("greet.c"),
        "#include <stdio.h>\nint main(void) { puts(\"hello\"); return 0; }\n",
    )
    .unwrap();
    let st = Command::new("autoreconf")
        .arg("-fi")
        .current_dir(&src)
        .output()
        .unwrap();
    assert!(
        st.status.success(),
        "autoreconf: {}",
        String::from_utf8_lossy(&st.stderr)
    );
    let mut outputs = Vec::new();
    for (name, checkout) in [("one", "2025-03-01 10:00"), ("two", "2025-06-15 18:30")] {
        let dir = d.path().join(name);
        let cp = Command::new("cp").arg("-a").arg(&src).arg(&dir).status().unwrap();
        assert!(cp.success());
        let touch = Command::new("sh")
            .arg("-c")
            .arg(format!("find . -exec touch -h -d '{checkout}' {{}} +"))
            .current_dir(&dir)
            .status()
            .unwrap();
        assert!(touch.success());
        let o = reproscope(
            &dir,
            &[
                "run",
                "--epoch",
                EPOCH,
                "--build-path",
                "/build",
                "--",
                "sh",
                "-c",
                "./configure && make",
            ],
        );
        assert!(
            o.status.success(),
            "{name}: {}\n{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        let read = |f: &str| std::fs::read(dir.join(f)).unwrap_or_else(|e| panic!("{name}/{f}: {e}"));
        outputs.push((read("greet"), read("config.status"), read("Makefile")));
    }
    assert!(outputs[0].0 == outputs[1].0, "the programs differ");
    assert!(outputs[0].1 == outputs[1].1, "config.status differs");
    assert!(outputs[0].2 == outputs[1].2, "the Makefiles differ");
}

/// Run as root, a build keeps root's view of owners: a file of uid 1000 reads and archives as
/// uid 1000 (not as nobody), and chown works.
#[test]
fn as_root_owners_stay_as_they_are() {
    // SAFETY: no arguments, cannot fail.
    if unsafe { libc::geteuid() } != 0 {
        eprintln!("skipped: not root");
        return;
    }
    let d = tempfile::tempdir().unwrap();
    let tree = d.path().join("tree");
    std::fs::create_dir(&tree).unwrap();
    std::fs::write(tree.join("owned"), "x\n").unwrap();
    std::os::unix::fs::chown(&tree, Some(1000), Some(1000)).unwrap();
    std::os::unix::fs::chown(tree.join("owned"), Some(1000), Some(1000)).unwrap();
    let script = "stat -c '%u:%g' tree/owned; tar --numeric-owner -cf - tree | tar --numeric-owner -tvf - | cut -c12-20; chown 1001 tree/owned && stat -c %u tree/owned";
    let out = run_ok(d.path(), &[], &["sh", "-c", script]);
    assert_eq!(text(&out), "1000:1000\n1000/1000\n1000/1000\n1001\n");
}

/// Deadlines are times on the virtual clock, so under `run` they must still take the time they
/// say in real life: a condition variable, a semaphore, a mutex (plain and priority-inheriting),
/// an absolute realtime sleep and a realtime timerfd, each 0.4 s ahead. Each wait must time out,
/// take about that long (not return at once, not hang), and (but for the timerfd) leave the
/// clock past its deadline.
#[test]
fn realtime_deadlines_take_the_time_they_say() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    std::fs::write(
        dir.join("waits.c"),
        r#"#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>
static double mono(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }
static struct timespec ahead(void) {
    struct timespec t; clock_gettime(CLOCK_REALTIME, &t);
    t.tv_nsec += 400000000; if (t.tv_nsec >= 1000000000) { t.tv_sec++; t.tv_nsec -= 1000000000; }
    return t;
}
static int past(struct timespec d) {
    struct timespec t; clock_gettime(CLOCK_REALTIME, &t);
    return t.tv_sec > d.tv_sec || (t.tv_sec == d.tv_sec && t.tv_nsec >= d.tv_nsec);
}
static pthread_mutex_t pi;
static sem_t held, done;
static void *holder(void *arg) {
    (void)arg; pthread_mutex_lock(&pi); sem_post(&held); sem_wait(&done); pthread_mutex_unlock(&pi); return 0;
}
#define REPORT(name, ok) printf("%s %d %.3f %d\n", name, (ok), mono() - t0, past(d))
int main(void) {
    pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER; pthread_cond_t c = PTHREAD_COND_INITIALIZER; sem_t s;
    sem_init(&s, 0, 0); sem_init(&held, 0, 0); sem_init(&done, 0, 0);
    struct timespec d; double t0; int r;
    pthread_mutex_lock(&m);
    d = ahead(); t0 = mono(); r = pthread_cond_timedwait(&c, &m, &d); REPORT("cond", r == ETIMEDOUT);
    d = ahead(); t0 = mono(); r = pthread_mutex_timedlock(&m, &d); REPORT("mutex", r == ETIMEDOUT);
    d = ahead(); t0 = mono(); r = sem_timedwait(&s, &d); REPORT("sem", r == -1 && errno == ETIMEDOUT);
    pthread_mutexattr_t a; pthread_mutexattr_init(&a); pthread_mutexattr_setprotocol(&a, PTHREAD_PRIO_INHERIT);
    pthread_mutex_init(&pi, &a); pthread_t th; pthread_create(&th, 0, holder, 0); sem_wait(&held);
    d = ahead(); t0 = mono(); r = pthread_mutex_timedlock(&pi, &d); REPORT("pi-mutex", r == ETIMEDOUT);
    sem_post(&done); pthread_join(th, 0);
    d = ahead(); t0 = mono(); r = clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &d, 0); REPORT("sleep", r == 0);
    int fd = timerfd_create(CLOCK_REALTIME, 0);
    struct itimerspec its = {{0, 0}, {0, 0}};
    d = ahead(); its.it_value = d; t0 = mono();
    timerfd_settime(fd, TFD_TIMER_ABSTIME, &its, 0); uint64_t n = 0; r = read(fd, &n, 8);
    REPORT("timerfd", r == 8 && n == 1);
    return 0;
}
"#,
    )
    .unwrap();
    native(dir, &["gcc", "-O2", "-pthread", "-o", "waits", "waits.c"]);
    let out = text(&run_ok(dir, &[], &["./waits"]));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 6, "{out}");
    for l in lines {
        let f: Vec<&str> = l.split(' ').collect();
        let took: f64 = f[2].parse().unwrap();
        assert_eq!(f[1], "1", "{l}: did not time out as asked\n{out}");
        assert!(
            (0.35..5.0).contains(&took),
            "{l}: took {took} s for a deadline 0.4 s ahead\n{out}"
        );
        // A timerfd's expiry comes with a read of the fd, which is not stopped: the clock does
        // not move with it (docs/determinism.md).
        if f[0] != "timerfd" {
            assert_eq!(
                f[3], "1",
                "{l}: the clock reads before the deadline after it passed\n{out}"
            );
        }
    }
}

/// A loop that polls the clock with short sleeps until a time passes ends on time: the clock
/// moves on by what the sleeps waited, not only a step per reading.
#[test]
fn a_polling_loop_ends_on_time() {
    let d = tempfile::tempdir().unwrap();
    let py = "import time\nt0 = time.time()\nn = 0\nwhile time.time() < t0 + 1:\n    time.sleep(0.01)\n    n += 1\nprint(n)\n";
    let started = Instant::now();
    let a = run_ok(d.path(), &[], &["python3", "-c", py]);
    let took = started.elapsed();
    let n: u32 = text(&a).trim().parse().unwrap();
    // 10 ms of sleep and a step of 1 ms per reading: about 90 rounds.
    assert!((80..=100).contains(&n), "{n} rounds");
    assert!(took < Duration::from_secs(6), "a 1 s polling loop took {took:?}");
    assert!(took >= Duration::from_millis(800), "{took:?}: the sleeps did not sleep");
    assert_eq!(
        a,
        run_ok(d.path(), &[], &["python3", "-c", py]),
        "rounds differ between runs"
    );
}

/// Inode and device numbers come from names: the same tree, made twice in two places at two
/// times (other real inode numbers), archived by `find | cpio -o -H newc` (which records both)
/// gives the same archive; hard links keep sharing a number, other files do not.
#[test]
fn find_cpio_archives_alike_with_inode_numbers_from_names() {
    let d = tempfile::tempdir().unwrap();
    let mut archives = Vec::new();
    let mut listings = Vec::new();
    for name in ["one", "two"] {
        let dir = d.path().join(name);
        let t = dir.join("tree");
        std::fs::create_dir_all(t.join("sub")).unwrap();
        // Some files first, so the tree's inodes come from another part of the table each time.
        for i in 0..(if name == "one" { 3 } else { 17 }) {
            std::fs::write(dir.join(format!("pad{i}")), b"").unwrap();
        }
        std::fs::write(t.join("a"), b"a\n").unwrap();
        std::fs::write(t.join("sub/b"), b"b\n").unwrap();
        std::fs::hard_link(t.join("a"), t.join("hard")).unwrap();
        std::os::unix::fs::symlink("a", t.join("sym")).unwrap();
        archives.push(run_ok(
            &dir,
            &[],
            &["sh", "-c", "find tree | cpio -o -H newc 2>/dev/null"],
        ));
        listings.push(text(&run_ok(&dir, &[], &["find", "tree", "-printf", "%i %D %p\n"])));
        std::thread::sleep(Duration::from_millis(1100));
    }
    assert!(archives[0].len() > 512, "cpio wrote an archive");
    assert_eq!(archives[0], archives[1], "the two archives differ");
    assert_eq!(listings[0], listings[1]);
    let ino = |p: &str| {
        let l = listings[0].lines().find(|l| l.ends_with(&format!(" {p}"))).unwrap();
        l.split(' ').next().unwrap().to_string()
    };
    assert_eq!(ino("tree/a"), ino("tree/hard"));
    assert_ne!(ino("tree/a"), ino("tree/sub/b"));
    assert_ne!(ino("tree/a"), ino("tree/sym"));
    // Without it, the real numbers: the archives differ.
    let off: Vec<Vec<u8>> = ["one", "two"]
        .iter()
        .map(|n| {
            run_ok(
                &d.path().join(n),
                &["--no-inodes"],
                &["sh", "-c", "find tree | cpio -o -H newc 2>/dev/null"],
            )
        })
        .collect();
    assert_ne!(off[0], off[1]);
}

/// Address-space layout randomization is off, so values made from addresses repeat (a heap
/// block, a stack variable, a library function, a pointer-keyed hash); `--keep-aslr` leaves it on.
#[test]
fn addresses_repeat_with_the_layout_fixed() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    std::fs::write(
        dir.join("addr.c"),
        r#"#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
int main(void) {
    int local = 0;
    void *heap = malloc(100), *map = mmap(0, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    printf("%p %p %p %p\n", heap, (void *)&local, map, (void *)&printf);
    return 0;
}
"#,
    )
    .unwrap();
    native(dir, &["gcc", "-O2", "-o", "addr", "addr.c"]);
    let a = run_ok(dir, &[], &["./addr"]);
    assert_eq!(a, run_ok(dir, &[], &["./addr"]));
    let on: Vec<Vec<u8>> = (0..3).map(|_| run_ok(dir, &["--keep-aslr"], &["./addr"])).collect();
    assert!(
        on[0] != on[1] || on[1] != on[2],
        "ASLR on gave the same layout three times"
    );
}

/// A time the build reads and sets again (`touch -r`, `cp -p`; autom4te does it to its
/// outputs) stays as it was read, so the copy is as new as its reference, not older than
/// everything the build wrote.
#[test]
fn times_set_from_a_stat_stay_as_read() {
    let d = tempfile::tempdir().unwrap();
    let script = "echo a > ref; sleep 0.05; echo b > later; touch -r ref copy; stat -c '%.9Y %n' ref copy later; ls -t later copy ref";
    let out = text(&run_ok(d.path(), &[], &["sh", "-c", script]));
    let lines: Vec<&str> = out.lines().collect();
    let time = |i: usize| lines[i].split(' ').next().unwrap();
    assert_eq!(time(0), time(1), "{out}");
    assert!(time(2) > time(0), "{out}");
    assert_eq!(&lines[3..], ["later", "copy", "ref"], "{out}");
}

/// /dev/urandom read however it is named and read (`head` with `read`, Python through
/// "/dev/./urandom" as Java names it and `readv`, `dd` after moving it to fd 0) gives the same
/// bytes in two runs; reads of other files and pipes do not stop (only the device's descriptors
/// are watched).
#[test]
fn urandom_reads_are_fixed_and_only_they_stop() {
    let d = tempfile::tempdir().unwrap();
    let script = "head -c 8 /dev/urandom | od -An -tx1; \
        dd if=/dev/./urandom bs=4 count=2 status=none | od -An -tx1; \
        python3 -c 'import os; f = os.open(\"/dev/urandom\", os.O_RDONLY); print(os.readv(f, [bytearray(3), bytearray(5)]))'; \
        cat /etc/passwd | cat > /dev/null";
    let a = run_ok(d.path(), &[], &["sh", "-c", script]);
    assert_eq!(a, run_ok(d.path(), &[], &["sh", "-c", script]));
    assert_ne!(a, run_ok(d.path(), &["--seed", "9"], &["sh", "-c", script]));
    let o = reproscope(d.path(), &["run", "--explain", "--", "sh", "-c", script]);
    let e = text(&o.stderr);
    // head, dd (and its copy on fd 0), python.
    assert!(e.contains("4 reads (24 bytes; "), "{e}");
    assert!(
        e.contains("opens looked at, 4 descriptors watched, 0 other reads let through)"),
        "{e}"
    );
}
