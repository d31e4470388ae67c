//! The server binary as a process of its own, for the suites that signal it (SIGKILL,
//! SIGTERM) or run several of it on one database.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// A running server process; killed and reaped when dropped, so a failed test leaves none.
pub struct ServerProcess(pub Child);

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The server binary with its data in `data`/data, a stand-in kiosk page in `data`/dist and
/// quiet logs; the caller adds the settings its test is about.
pub fn server_command(data: &Path) -> Command {
    let dist = data.join("dist");
    std::fs::create_dir_all(&dist).unwrap();
    std::fs::write(dist.join("index.html"), "<!DOCTYPE html><title>kiosk</title>").unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_arrive-server"));
    command
        .env("ARRIVE_DATA_DIR", data.join("data"))
        .env("ARRIVE_DIST", dist)
        .env("RUST_LOG", "warn");
    command
}

/// Starts `command` and reads its output up to the line where the server says where it
/// listens (a warning logged while it starts, such as a slow statement on a busy machine, may
/// come first); returns the process and that base URL (`http://…`).
pub fn start_process(mut command: Command) -> (ServerProcess, String) {
    let mut child = command.stdout(Stdio::piped()).spawn().expect("start arrive-server");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut before = Vec::new();
    let url = loop {
        let mut line = String::new();
        if stdout.read_line(&mut line).expect("the server's output") == 0 {
            // Say how it ended, so a failure to start can be told from a slow start.
            let ended = child.try_wait();
            panic!("the server did not say where it listens (it printed {before:?}; exit: {ended:?})");
        }
        if let Some(url) = line.split_whitespace().find(|w| w.starts_with("http://")) {
            break url.to_owned();
        }
        before.push(line);
    };
    // Drained, so that a server that logs a lot never blocks on a full pipe.
    std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
    (ServerProcess(child), url)
}
