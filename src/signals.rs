//! Termination signals (SIGINT, SIGTERM, SIGHUP) and what must not outlive them.
//!
//! One process-wide handler, installed by `cli::main` before any command runs (the `ctrlc`
//! crate allows one per process). It removes every temporary output file still registered by
//! `io::AtomicFile`, so an interrupted command leaves its targets as they were and no
//! `.planscale-*.tmp` beside them. A command that stops gracefully (`record` finishes the poll in
//! flight) asks for [`graceful_stop`]: the first signal then only sets the flag, a second one
//! ends the process. SIGKILL cannot be caught: it leaves the temporary file (never a half-written
//! target), named `.<target>.planscale-<pid>.tmp`.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

static TEMPS: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
static GRACEFUL: AtomicBool = AtomicBool::new(false);
static STOP: AtomicBool = AtomicBool::new(false);

/// The exit code after a termination signal (128 + SIGINT, as shells report Ctrl-C).
pub const EXIT_INTERRUPTED: i32 = 130;

/// Installs the handler; an error (a handler already set) is returned, not fatal.
pub fn install() -> Result<(), String> {
    ctrlc::set_handler(on_signal).map_err(|e| e.to_string())
}

fn on_signal() {
    if GRACEFUL.load(Ordering::SeqCst) && !STOP.swap(true, Ordering::SeqCst) {
        return;
    }
    remove_temps();
    std::process::exit(EXIT_INTERRUPTED);
}

/// The flag a graceful command polls: set by the first signal, which then no longer ends the
/// process by itself.
pub fn graceful_stop() -> &'static AtomicBool {
    GRACEFUL.store(true, Ordering::SeqCst);
    &STOP
}

/// Registers a temporary file to remove if a signal ends the process before it is renamed.
pub fn register_temp(path: PathBuf) {
    if let Ok(mut t) = TEMPS.lock() {
        t.push(path);
    }
}

/// The file was renamed over its target or removed: nothing to clean up any more.
pub fn unregister_temp(path: &std::path::Path) {
    if let Ok(mut t) = TEMPS.lock() {
        if let Some(i) = t.iter().position(|p| p == path) {
            t.swap_remove(i);
        }
    }
}

fn remove_temps() {
    // A poisoned lock still holds the paths; a signal must clean up whatever happened.
    let temps = match TEMPS.lock() {
        Ok(t) => t.clone(),
        Err(p) => p.into_inner().clone(),
    };
    for p in temps {
        let _ = std::fs::remove_file(p);
    }
}
