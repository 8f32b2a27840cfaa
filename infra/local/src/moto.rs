//! Starting moto server (the AWS emulator, from the project's pinned Python venv) on a
//! free loopback port.

use crate::{LocalError, Result, workspace_root};
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// A running moto server; an owned one is stopped when dropped.
pub struct Moto {
    pub endpoint: String,
    child: Option<Child>,
}

impl Drop for Moto {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The project venv's Python, where moto is installed (`MOTO_PYTHON` overrides it).
fn python() -> PathBuf {
    std::env::var_os("MOTO_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join(".venv/bin/python"))
}

fn free_port() -> Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(LocalError::new)?;
    Ok(listener.local_addr().map_err(LocalError::new)?.port())
}

fn command(port: u16) -> Result<Command> {
    command_on("127.0.0.1", port)
}

/// moto through `infra/moto_server.py`, which serialises requests (see there why).
fn command_on(host: &str, port: u16) -> Result<Command> {
    let python = python();
    if !python.exists() {
        return Err(LocalError(format!(
            "{} not found: run infra/bootstrap.sh (or the README's commands) first",
            python.display()
        )));
    }
    let mut cmd = Command::new(python);
    cmd.arg(workspace_root().join("infra/moto_server.py"))
        .args([host, &port.to_string()])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    Ok(cmd)
}

fn wait_ready(port: u16) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Err(LocalError(format!(
        "moto server did not listen on port {port} within 60 s"
    )))
}

impl Moto {
    /// Starts a moto server owned by the caller on a free loopback port.
    pub fn start() -> Result<Moto> {
        Self::start_on("127.0.0.1", free_port()?)
    }

    /// Starts a moto server owned by the caller on a given address (the long-running
    /// local stack: containers reach it through `host.docker.internal`).
    pub fn start_on(host: &str, port: u16) -> Result<Moto> {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Err(LocalError(format!(
                "port {port} is already in use: is another local stack running?"
            )));
        }
        let child = command_on(host, port)?
            .spawn()
            .map_err(|e| LocalError(format!("starting moto server: {e}")))?;
        wait_ready(port)?;
        Ok(Moto {
            endpoint: format!("http://127.0.0.1:{port}"),
            child: Some(child),
        })
    }

    /// One moto server for the whole process (a test binary): `MOTO_ENDPOINT` if set,
    /// else one started here that the kernel stops when this process exits.
    pub fn shared() -> Result<&'static str> {
        static SHARED: OnceLock<std::result::Result<String, String>> = OnceLock::new();
        let endpoint = SHARED.get_or_init(|| {
            if let Ok(endpoint) = std::env::var("MOTO_ENDPOINT") {
                return Ok(endpoint);
            }
            let (tx, rx) = std::sync::mpsc::channel();
            // The parent-death signal fires when the spawning *thread* ends, so spawn from
            // a thread that lives as long as the process.
            std::thread::spawn(move || {
                let started = free_port().and_then(|port| {
                    let mut cmd = command(port)?;
                    // SAFETY: prctl is async-signal-safe and touches no memory of ours.
                    unsafe {
                        cmd.pre_exec(|| {
                            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                            Ok(())
                        });
                    }
                    let child = cmd
                        .spawn()
                        .map_err(|e| LocalError(format!("starting moto server: {e}")))?;
                    wait_ready(port)?;
                    Ok((port, child))
                });
                match started {
                    Ok((port, _child)) => {
                        let _ = tx.send(Ok(format!("http://127.0.0.1:{port}")));
                        loop {
                            std::thread::park();
                        }
                    }
                    Err(e) => {
                        let _ = tx.send(Err(e.0));
                    }
                }
            });
            rx.recv().map_err(|e| e.to_string())?
        });
        endpoint.as_deref().map_err(|e| LocalError(e.clone()))
    }
}
