//! `autochat-listen`: a local webhook inspector. It receives AutoChat's webhooks on 127.0.0.1
//! (port 8787 by default, which the extension may reach without asking), prints each request
//! readably — or as one JSON line with `--json` — checks Standard Webhooks signatures with
//! `--secret`, and can play a failing endpoint to try the retry path.

mod report;

use autochat_core::signing::{verify, Secret};
use autochat_core::values::time::Millis;
use clap::Parser;
use report::Received;
use std::collections::HashMap;
use std::io::Write;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Receives webhooks on 127.0.0.1 and shows each one.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// The port to listen on (127.0.0.1 only); 0 picks a free one.
    #[arg(long, default_value_t = 8787)]
    port: u16,
    /// Check Standard Webhooks signatures with this secret (whsec_…).
    #[arg(long)]
    secret: Option<String>,
    /// Answer every request with this status (or, with --fail-first, the first N).
    #[arg(long, default_value_t = 200)]
    status: u16,
    /// Fail the first N requests (with --status when it is an error, else 503), then answer 200.
    #[arg(long)]
    fail_first: Option<u64>,
    /// Add `Retry-After: S` to failing answers.
    #[arg(long)]
    retry_after: Option<u64>,
    /// Wait this many milliseconds before answering.
    #[arg(long, default_value_t = 0)]
    delay: u64,
    /// Print one JSON line per request instead of readable text.
    #[arg(long)]
    json: bool,
}

fn main() {
    let args = Args::parse();
    let secret = match args.secret.as_deref().map(Secret::parse) {
        Some(Err(why)) => {
            eprintln!("autochat-listen: {why}");
            std::process::exit(2);
        }
        Some(Ok(secret)) => Some(secret),
        None => None,
    };
    let server = match tiny_http::Server::http(("127.0.0.1", args.port)) {
        Ok(server) => server,
        Err(e) => {
            eprintln!("autochat-listen: cannot listen on 127.0.0.1:{}: {e}", args.port);
            std::process::exit(1);
        }
    };
    let port = server.server_addr().to_ip().map_or(args.port, |a| a.port());
    println!("Listening on http://127.0.0.1:{port}/ — add it as a webhook in AutoChat and press 🧪 Test.");
    let _ = std::io::stdout().flush();
    let mut seen: HashMap<String, u64> = HashMap::new();
    let mut number = 0;
    for mut request in server.incoming_requests() {
        number += 1;
        let mut body = String::new();
        let _ = request.as_reader().read_to_string(&mut body);
        let headers: Vec<(String, String)> = request
            .headers()
            .iter()
            .map(|h| (h.field.as_str().as_str().to_ascii_lowercase(), h.value.as_str().to_string()))
            .collect();
        let now = now_millis();
        let mut received = Received {
            number,
            method: request.method().as_str().to_string(),
            url: request.url().to_string(),
            headers,
            body,
            at: now.to_rfc3339(),
            attempt: 1,
        };
        if let Some(id) = received.header("webhook-id").map(str::to_string) {
            let count = seen.entry(id).or_insert(0);
            *count += 1;
            received.attempt = *count;
        }
        let verdict = secret.as_ref().map(|s| {
            let signed = received.signed();
            verify(
                s,
                received.header("webhook-id"),
                received.header("webhook-timestamp"),
                received.header("webhook-signature"),
                &signed,
                now,
            )
        });
        let failing = if (200..300).contains(&args.status) { 503 } else { args.status };
        let status = match args.fail_first {
            Some(n) if number <= n => failing,
            Some(_) => 200,
            None => args.status,
        };
        if args.json {
            println!("{}", report::json_line(&received, verdict, status));
        } else {
            println!("{}", report::readable(&received, verdict, status));
        }
        let _ = std::io::stdout().flush();
        if args.delay > 0 {
            std::thread::sleep(Duration::from_millis(args.delay));
        }
        let mut response =
            tiny_http::Response::from_string(if (200..300).contains(&status) { "ok" } else { "failing on purpose" })
                .with_status_code(status);
        if let (Some(seconds), false) = (args.retry_after, (200..300).contains(&status)) {
            if let Ok(header) = tiny_http::Header::from_bytes("Retry-After", seconds.to_string()) {
                response.add_header(header);
            }
        }
        let _ = request.respond(response);
    }
}

fn now_millis() -> Millis {
    Millis(SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)))
}
