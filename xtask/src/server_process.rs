//! The Arrive server as a child of an xtask command: started on a free loopback port, its URL
//! read from the first line it prints, killed when dropped.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use crate::Result;

/// A running server and where it listens.
pub struct ServerProcess {
    process: Child,
    /// `http://127.0.0.1:<port>`, without a trailing slash.
    pub url: String,
}

impl ServerProcess {
    /// Starts `command` (the server binary, with whatever settings the caller gives it) on a
    /// port the system picks, and waits for the line that says where it listens.
    pub fn start(mut command: Command) -> Result<Self> {
        let mut process = command
            .env("ARRIVE_ADDR", "127.0.0.1:0")
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start the server: {e}"))?;
        // The line that says where it listens; a warning logged while it starts may come first.
        let mut url = None;
        if let Some(stdout) = process.stdout.take() {
            let mut reader = BufReader::new(stdout);
            let mut line = String::new();
            while url.is_none() && reader.read_line(&mut line).is_ok_and(|read| read > 0) {
                url = line
                    .split_whitespace()
                    .find(|w| w.starts_with("http://"))
                    .map(|u| u.trim_end_matches('/').to_owned());
                line.clear();
            }
            // Keep draining so the server never writes into a closed pipe.
            std::thread::spawn(move || std::io::copy(&mut reader, &mut std::io::sink()));
        }
        // Built before the check so that a server which said nothing is still killed.
        let mut server = ServerProcess {
            process,
            url: String::new(),
        };
        server.url = url.ok_or("the server did not say where it listens")?;
        Ok(server)
    }

    /// The server's process ID, for tools that watch its memory and CPU.
    pub fn id(&self) -> u32 {
        self.process.id()
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shell(script: &str) -> Command {
        let mut command = Command::new("sh");
        command.args(["-c", script]);
        command
    }

    #[test]
    fn the_url_is_read_from_the_line_that_gives_it_after_any_warning_and_the_rest_is_drained() {
        let server = ServerProcess::start(shell(
            "echo 'WARN slow statement'; echo \"Arrive is listening on http://$ARRIVE_ADDR/\"; echo more; exec sleep 60",
        ))
        .unwrap();
        assert_eq!(server.url, "http://127.0.0.1:0");
    }

    #[test]
    fn a_server_that_does_not_say_where_it_listens_is_an_error() {
        let error = ServerProcess::start(shell("echo starting")).err().unwrap();
        assert_eq!(error, "the server did not say where it listens");
    }
}
