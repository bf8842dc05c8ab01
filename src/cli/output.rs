//! Writing a command's result to a file or standard output.

use std::io::Write;
use std::path::Path;

use anyhow::Context;

/// Writes `text` to `out`, or to standard output. A file is written whole or
/// not at all: first to a temporary file beside it, then renamed.
pub fn write_output(out: Option<&Path>, text: &str) -> anyhow::Result<()> {
    write_bytes(out, text.as_bytes())
}

/// Refuses to write a binary file (`ext`) to a terminal: without `--out`,
/// standard output has to be redirected.
pub fn binary_needs_a_file(out: Option<&Path>, ext: &str) -> anyhow::Result<()> {
    use std::io::IsTerminal;
    anyhow::ensure!(
        out.is_some() || !std::io::stdout().is_terminal(),
        "a {ext} file is binary: give --out FILE or redirect the output"
    );
    Ok(())
}

/// Bytes to `out`, written whole or not at all, or to standard output.
pub fn write_bytes(out: Option<&Path>, bytes: &[u8]) -> anyhow::Result<()> {
    match out {
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(bytes)?;
            stdout.flush()?;
        }
        Some(path) => write_atomically(path, bytes)?,
    }
    Ok(())
}

pub fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let mut tmp = temporary_beside(path)?;
    tmp.write_all(bytes)?;
    tmp.persist(path)
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

/// A temporary file in `path`'s folder (created if needed), to be persisted
/// as `path` once complete; readable like any other file the user creates.
pub fn temporary_beside(path: &Path) -> anyhow::Result<tempfile::NamedTempFile> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).with_context(|| format!("creating folder {}", dir.display()))?;
    let mut builder = tempfile::Builder::new();
    builder.prefix(".klimat-");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o644));
    }
    builder
        .tempfile_in(dir)
        .with_context(|| format!("writing in {}", dir.display()))
}

/// A CSV of `unit` and one more column (`second`) with that header: per line
/// the unit and the value, `None` when empty. Errors say the file and line;
/// `example` shows a good line.
pub fn unit_pairs(
    path: &std::path::Path,
    second: &str,
    example: &str,
) -> anyhow::Result<Vec<(String, Option<String>)>> {
    use anyhow::Context as _;
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let header = reader
        .headers()
        .with_context(|| format!("{}:1", path.display()))?
        .clone();
    if header.len() != 2 || &header[0] != "unit" || &header[1] != second {
        anyhow::bail!("{}:1: the header must be `unit,{second}`", path.display());
    }
    let mut pairs = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let record = record.with_context(|| format!("{}:{line}", path.display()))?;
        if record.len() != 2 || record[0].is_empty() {
            anyhow::bail!(
                "{}:{line}: write `unit,{second}`, e.g. `{example}`",
                path.display()
            );
        }
        pairs.push((
            record[0].to_owned(),
            (!record[1].is_empty()).then(|| record[1].to_owned()),
        ));
    }
    Ok(pairs)
}
