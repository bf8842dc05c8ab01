//! Shared test helpers: paths into the repository and a `klimat` command that
//! runs the real binary in its own empty working directory.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn shipped_surveys() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(repo().join("surveys"))
        .expect("surveys/ exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    files
}

pub fn test_data(rel: &str) -> PathBuf {
    repo().join("tests/data").join(rel)
}

/// A working directory of its own and the binary, with no KLIMAT_* settings
/// inherited from the environment of whoever runs the tests.
pub struct Klimat {
    pub dir: tempfile::TempDir,
}

impl Klimat {
    pub fn new() -> Klimat {
        Klimat {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn write(&self, rel: &str, text: &str) -> PathBuf {
        let p = self.path(rel);
        std::fs::write(&p, text).unwrap();
        p
    }

    pub fn cmd(&self) -> Command {
        let mut cmd = Command::cargo_bin("klimat").unwrap();
        cmd.current_dir(self.dir.path());
        for (k, _) in std::env::vars() {
            if k.starts_with("KLIMAT_") {
                cmd.env_remove(k);
            }
        }
        cmd
    }
}

pub fn stdout_of(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr_of(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

pub fn arg(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A loopback port nobody listens on now (for a server told its port).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
