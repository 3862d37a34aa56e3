//! Child processes: run them in the open, capture them quietly, and stop them on Ctrl-C/SIGTERM.
//!
//! A terminal's Ctrl-C reaches every process of the foreground group, but CI sends SIGTERM to
//! us alone: so we catch both, pass them on to the running child, and let the callers' guards
//! stop the servers and the database.

use anyhow::{anyhow, bail, Result};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

/// How long a child may take to exit after SIGTERM before it is killed.
const STOP_GRACE: Duration = Duration::from_secs(15);

static INTERRUPTED: OnceLock<Arc<AtomicBool>> = OnceLock::new();

pub fn catch_interrupts() -> Result<()> {
    let flag = INTERRUPTED.get_or_init(Default::default);
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(signal, Arc::clone(flag))
            .map_err(|e| anyhow!("cannot handle signal {signal}: {e} — this needs a Unix system"))?;
    }
    Ok(())
}

/// True once Ctrl-C or SIGTERM has arrived.
pub fn interrupted() -> bool {
    INTERRUPTED.get().is_some_and(|flag| flag.load(Ordering::SeqCst))
}

fn stop_if_interrupted() -> Result<()> {
    if interrupted() {
        bail!("interrupted");
    }
    Ok(())
}

/// The command as one would type it (program without its folder), for messages.
pub fn display(cmd: &Command) -> String {
    let program = Path::new(cmd.get_program());
    std::iter::once(program.file_name().unwrap_or(program.as_os_str()))
        .chain(cmd.get_args())
        .map(|part| part.to_string_lossy())
        .collect::<Vec<_>>()
        .join(" ")
}

pub fn spawn(cmd: &mut Command) -> Result<Child> {
    cmd.spawn().map_err(|e| anyhow!("cannot start `{}`: {e} — check that it is installed and on PATH", display(cmd)))
}

/// Waits for `child`; on Ctrl-C/SIGTERM sends it SIGTERM, and SIGKILL if it lingers.
pub fn wait(child: &mut Child) -> Result<ExitStatus> {
    let mut terminated_at: Option<Instant> = None;
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(status);
        }
        match terminated_at {
            None if interrupted() => {
                send_sigterm(child);
                terminated_at = Some(Instant::now());
            }
            Some(at) if at.elapsed() > STOP_GRACE => {
                let _ = child.kill();
            }
            _ => {}
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Stops a long-running child (a server): SIGTERM, then SIGKILL after a grace period.
pub fn stop(child: &mut Child) {
    if let Ok(None) = child.try_wait() {
        send_sigterm(child);
        let deadline = Instant::now() + STOP_GRACE;
        while Instant::now() < deadline {
            if let Ok(Some(_)) = child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = child.kill();
        let _ = child.wait();
    }
}

fn send_sigterm(child: &Child) {
    let pid = libc::pid_t::try_from(child.id()).expect("process ids fit in pid_t");
    // SAFETY: kill has no memory effects; at worst the process has already exited.
    unsafe {
        libc::kill(pid, libc::SIGTERM);
    }
}

/// Runs `cmd` with our terminal; returns whether it succeeded.
pub fn succeeds(cmd: &mut Command) -> Result<bool> {
    let status = wait(&mut spawn(cmd)?)?;
    stop_if_interrupted()?;
    Ok(status.success())
}

/// Runs `cmd` with our terminal and requires success; `fix` tells the user what to do if not.
pub fn run(cmd: &mut Command, fix: &str) -> Result<()> {
    if !succeeds(cmd)? {
        bail!("`{}` failed — {fix}", display(cmd));
    }
    Ok(())
}

/// Runs `cmd` quietly and returns its stdout; on failure the error shows what it printed.
pub fn output(cmd: &mut Command, fix: &str) -> Result<String> {
    let output = captured(cmd)?;
    if !output.status.success() {
        let printed =
            String::from_utf8_lossy(&output.stderr).trim().to_owned() + String::from_utf8_lossy(&output.stdout).trim();
        bail!("`{}` failed: {printed} — {fix}", display(cmd));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Runs `cmd` quietly and returns everything, success or not.
pub fn captured(cmd: &mut Command) -> Result<Output> {
    let output = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|e| anyhow!("cannot start `{}`: {e} — check that it is installed and on PATH", display(cmd)))?;
    stop_if_interrupted()?;
    Ok(output)
}

/// The trimmed stdout of a command that may well be missing (a version probe), or None.
pub fn probe(cmd: &mut Command) -> Option<String> {
    let output = cmd.stdin(Stdio::null()).stderr(Stdio::null()).output().ok()?;
    output.status.success().then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

/// Runs `cmd`, streaming its stdout to ours while keeping a copy to read counts from.
pub fn tee(cmd: &mut Command) -> Result<(bool, String)> {
    let mut child = spawn(cmd.stdout(Stdio::piped()))?;
    let stdout = child.stdout.take().expect("stdout is piped");
    let copier = std::thread::spawn(move || {
        let mut copy = String::new();
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            println!("{line}");
            copy.push_str(&line);
            copy.push('\n');
        }
        copy
    });
    let status = wait(&mut child)?;
    let copy = copier.join().unwrap_or_default();
    stop_if_interrupted()?;
    Ok((status.success(), copy))
}

/// The last `lines` lines of a child's log file, for failure messages.
pub fn log_tail(log: &Path, lines: usize) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_else(|e| format!("(cannot read the log: {e})"));
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// Postgres refuses to run as root; as root we hand its processes to another user.
pub fn is_root() -> bool {
    // SAFETY: geteuid cannot fail and touches no memory.
    unsafe { libc::geteuid() == 0 }
}
