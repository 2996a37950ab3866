//! Ctrl-C (SIGINT) stops a running REPL input with a `KeyboardInterrupt`
//! and the session goes on with the next input.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

#[test]
fn ctrl_c_stops_a_running_loop_and_the_session_goes_on() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_spyc"))
        .arg("repl")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spyc starts");
    let mut stdin = child.stdin.take().expect("piped stdin");
    let stdout = child.stdout.take().expect("piped stdout");
    let mut stderr = child.stderr.take().expect("piped stderr");

    // Lines of stdout as they come.
    let (out_tx, out_rx) = mpsc::channel();
    let out_thread = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if out_tx.send(line).is_err() {
                break;
            }
        }
    });
    // The first byte of stderr tells that the interrupt was reported.
    let (err_tx, err_rx) = mpsc::channel();
    let err_thread = std::thread::spawn(move || {
        let mut all = Vec::new();
        let mut byte = [0u8; 1];
        let mut told = false;
        while let Ok(1) = stderr.read(&mut byte) {
            all.push(byte[0]);
            if !told {
                told = err_tx.send(()).is_ok();
            }
        }
        String::from_utf8_lossy(&all).into_owned()
    });

    let send = |stdin: &mut std::process::ChildStdin, text: &str| {
        stdin.write_all(text.as_bytes()).expect("write to the REPL");
        stdin.flush().expect("flush to the REPL");
    };
    // The session is up (and its SIGINT handler installed) once it answers.
    send(
        &mut stdin,
        "def spin() -> i32:\n    n = 0\n    while True:\n        n += 1\n    return n\n\nprint('ready')\n",
    );
    let ready = out_rx
        .recv_timeout(Duration::from_secs(60))
        .expect("the REPL answers");
    assert_eq!(ready, "ready");

    send(&mut stdin, "spin()\n");
    // An interrupt that arrives while the input is still being read is
    // dropped, so interrupt until the REPL reports one.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let status = Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success());
        if err_rx.recv_timeout(Duration::from_millis(200)).is_ok() {
            break;
        }
        assert!(Instant::now() < deadline, "the loop was never interrupted");
    }
    send(&mut stdin, "40 + 2\n");
    drop(stdin);

    let status = child.wait().expect("spyc ends");
    out_thread.join().expect("stdout reader");
    let rest: Vec<String> = out_rx.try_iter().collect();
    let err = err_thread.join().expect("stderr reader");
    assert!(status.success(), "exit status {status}, stderr:\n{err}");
    assert_eq!(rest, ["42"], "stderr:\n{err}");
    // Where it stopped: the loop, or the call if it came just before.
    let call = "Traceback (most recent call last):\n  File \"<repl-3>\", line 1, in <module>\n    spin()\n";
    assert!(
        err.starts_with(&format!(
            "{call}  File \"<repl-1>\", line 3, in spin\n    while True:\n"
        )) || err.starts_with(&format!("{call}KeyboardInterrupt\n")),
        "stderr:\n{err}"
    );
    assert!(err.contains("\nKeyboardInterrupt\n"), "stderr:\n{err}");
}
