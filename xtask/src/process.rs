//! Running commands: inherit the terminal, or tee the output so test counts can be read.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;

/// An error already explained to the person; `main` prints it once.
pub type Result<T = ()> = std::result::Result<T, String>;

/// The repository root (xtask lives one level below it).
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask sits inside the repository")
}

pub fn command(program: &str, args: &[&str]) -> Command {
    let mut command = Command::new(program);
    command.args(args).current_dir(root());
    command
}

/// Runs to completion with the terminal attached; a non-zero exit is an error.
pub fn run(program: &str, args: &[&str]) -> Result {
    run_command(&mut command(program, args))
}

pub fn run_command(command: &mut Command) -> Result {
    let status = command
        .status()
        .map_err(|error| describe_spawn(command, &error))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{}` failed ({status})", display(command)))
    }
}

/// Runs while echoing stdout and stderr, and returns whether it succeeded with everything it
/// printed (both streams, interleaved by line).
pub fn run_teed(command: &mut Command) -> Result<(bool, String)> {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|error| describe_spawn(command, &error))?;
    let captured = Arc::new(Mutex::new(String::new()));
    let stdout = tee(
        child.stdout.take().expect("piped"),
        Arc::clone(&captured),
        false,
    );
    let stderr = tee(
        child.stderr.take().expect("piped"),
        Arc::clone(&captured),
        true,
    );
    let status = child.wait().map_err(|error| error.to_string())?;
    stdout.join().ok();
    stderr.join().ok();
    let output = captured.lock().expect("tee threads finished").clone();
    Ok((status.success(), output))
}

// xtask is native-only, where threads work; the ban in clippy.toml is for browser code.
#[allow(clippy::disallowed_methods)]
fn tee(
    stream: impl Read + Send + 'static,
    captured: Arc<Mutex<String>>,
    to_stderr: bool,
) -> thread::JoinHandle<()> {
    thread::spawn(move || {
        for line in BufReader::new(stream)
            .lines()
            .map_while(std::result::Result::ok)
        {
            if to_stderr {
                let _ = writeln!(std::io::stderr(), "{line}");
            } else {
                let _ = writeln!(std::io::stdout(), "{line}");
            }
            let mut captured = captured
                .lock()
                .expect("no tee thread panics while holding it");
            captured.push_str(&line);
            captured.push('\n');
        }
    })
}

/// Standard output of a command, or why it could not run or failed (with what it printed).
pub fn output_or_error(program: &str, args: &[&str]) -> Result<String> {
    let mut command = command(program, args);
    let output = command
        .output()
        .map_err(|error| describe_spawn(&command, &error))?;
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    } else {
        Err(format!(
            "`{}` failed ({}): {}",
            display(&command),
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ))
    }
}

/// Standard output of a command, or `None` if it cannot run or fails.
pub fn output(program: &str, args: &[&str]) -> Option<String> {
    let output = command(program, args).stderr(Stdio::null()).output().ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
}

fn display(command: &Command) -> String {
    let mut text = command.get_program().to_string_lossy().into_owned();
    for arg in command.get_args() {
        text.push(' ');
        text.push_str(&arg.to_string_lossy());
    }
    text
}

fn describe_spawn(command: &Command, error: &std::io::Error) -> String {
    format!("could not start `{}`: {error}", display(command))
}
