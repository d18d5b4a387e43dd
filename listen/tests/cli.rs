//! The inspector as a user runs it: a real process on 127.0.0.1, real HTTP requests.
#![allow(clippy::expect_used, clippy::indexing_slicing)] // a test: a failed expectation is the test failing

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

struct Listener {
    child: Child,
    lines: std::io::Lines<BufReader<std::process::ChildStdout>>,
    port: u16,
}

impl Drop for Listener {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

fn listen(args: &[&str]) -> Listener {
    let mut child = Command::new(env!("CARGO_BIN_EXE_autochat-listen"))
        .args(["--port", "0", "--json"])
        .args(args)
        .stdout(Stdio::piped())
        .spawn()
        .expect("starts");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let first = lines.next().expect("a first line").expect("text");
    let port = first
        .split("127.0.0.1:")
        .nth(1)
        .and_then(|r| r.split('/').next())
        .and_then(|p| p.parse().ok())
        .expect("a port");
    Listener { child, lines, port }
}

/// Sends a request; returns the status line and the head of the answer.
fn post(port: u16, headers: &[(&str, &str)], body: &str) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connects");
    let mut request =
        format!("POST /hook HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {}\r\nConnection: close\r\n", body.len());
    for (k, v) in headers {
        request.push_str(&format!("{k}: {v}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes()).expect("sends");
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer
}

fn next_json(l: &mut Listener) -> serde_json::Value {
    let line = l.lines.next().expect("a line").expect("text");
    serde_json::from_str(&line).expect("JSON")
}

#[test]
fn it_prints_each_request_and_checks_signatures() {
    let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    let mut l = listen(&["--secret", secret]);
    let body = r#"{"event":"error","timestamp":"2025-12-07T17:30:00.000Z","data":{"error":"x"},"source":"AutoChat","version":"4.5.0"}"#;
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("after 1970").as_secs();
    let signing = autochat_core::signing::Signing {
        enabled: true,
        secret: autochat_core::signing::Secret::parse(secret).expect("valid"),
        previous: None,
        github: false,
    };
    let signature = signing.headers("msg_1", now, body, autochat_core::values::time::Millis(now * 1000))[0].1.clone();
    let ts = now.to_string();
    let answer =
        post(l.port, &[("webhook-id", "msg_1"), ("webhook-timestamp", &ts), ("webhook-signature", &signature)], body);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let line = next_json(&mut l);
    assert_eq!(
        (line["event"].as_str(), line["signature"].as_str(), line["attempt"].as_u64()),
        (Some("error"), Some("valid"), Some(1))
    );
    post(l.port, &[("webhook-id", "msg_1"), ("webhook-timestamp", &ts), ("webhook-signature", "v1,AAAA")], body);
    let line = next_json(&mut l);
    assert_eq!((line["signature"].as_str(), line["attempt"].as_u64()), (Some("invalid"), Some(2)));
}

#[test]
fn it_plays_a_failing_endpoint() {
    let mut l = listen(&["--fail-first", "2", "--retry-after", "3"]);
    let first = post(l.port, &[], "{}");
    assert!(first.starts_with("HTTP/1.1 503") && first.to_ascii_lowercase().contains("retry-after: 3"), "{first}");
    assert!(post(l.port, &[], "{}").starts_with("HTTP/1.1 503"));
    assert!(post(l.port, &[], "{}").starts_with("HTTP/1.1 200"));
    let statuses: Vec<u64> = (0..3).filter_map(|_| next_json(&mut l)["status"].as_u64()).collect();
    assert_eq!(statuses, [503, 503, 200]);
}
