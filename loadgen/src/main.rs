//! Loopback load generator for `cargo xtask bench`.
//!
//! usage: arrive-loadgen BASE_URL --kiosk-token T --admin-password P [--patients N] [--seconds S]
//!        [--concurrency C] [--boards B] [--server-pid PID]
//!
//! Talks to a server seeded with ARRIVE_DEMO_EXTRA_PATIENTS=N: synthetic patients named
//! "Loadtest", patient k born k days after 1910-01-01 (the rule lives in the server's seed).
//! Phase 1 times identify; phase 2 times check-in alone (each patient identified beforehand,
//! untimed), each a first arrival of a different patient; phase 2b times arrivals, identify then
//! check-in; phase 3 times the fan-out of check-ins to desk boards.

mod boards;

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{Days, NaiveDate};
use serde_json::json;

struct Options {
    base: String,
    patients: u32,
    seconds: u64,
    concurrency: usize,
    kiosk_token: String,
    admin_password: String,
    boards: usize,
    server_pid: Option<u32>,
}

fn parse_args() -> Result<Options, String> {
    let mut args = std::env::args().skip(1);
    let base = args
        .next()
        .ok_or("usage: arrive-loadgen BASE_URL --kiosk-token T --admin-password P [--patients N] [--seconds S] [--concurrency C] [--boards B] [--server-pid PID]")?;
    let mut options = Options {
        base: base.trim_end_matches('/').to_owned(),
        patients: 1000,
        seconds: 10,
        concurrency: 16,
        kiosk_token: String::new(),
        admin_password: String::new(),
        boards: 200,
        server_pid: None,
    };
    while let Some(flag) = args.next() {
        let value = args.next().ok_or(format!("{flag} needs a value"))?;
        let bad = |_| format!("{flag}: not a number: {value}");
        match flag.as_str() {
            "--patients" => options.patients = value.parse().map_err(bad)?,
            "--kiosk-token" => options.kiosk_token = value.clone(),
            "--admin-password" => options.admin_password = value.clone(),
            "--boards" => options.boards = value.parse().map_err(bad)?,
            "--server-pid" => options.server_pid = Some(value.parse().map_err(bad)?),
            "--seconds" => options.seconds = value.parse().map_err(bad)?,
            "--concurrency" => options.concurrency = value.parse().map_err(bad)?,
            _ => return Err(format!("unknown option {flag}")),
        }
    }
    Ok(options)
}

/// Date of birth of synthetic patient `k`, as the server's seed makes it.
fn birth_date(k: u32) -> String {
    let first = NaiveDate::from_ymd_opt(1910, 1, 1).expect("a real date");
    (first + Days::new(u64::from(k))).format("%Y-%m-%d").to_string()
}

struct Tally {
    latencies_us: Vec<u64>,
    errors: u64,
}

/// Prints one phase's figures; false when no request succeeded (the figures mean nothing).
fn report(name: &str, tallies: Vec<Tally>, elapsed: Duration) -> bool {
    let errors: u64 = tallies.iter().map(|t| t.errors).sum();
    let mut all: Vec<u64> = tallies.into_iter().flat_map(|t| t.latencies_us).collect();
    all.sort_unstable();
    let pct = |p: f64| {
        all.get(((all.len() as f64 * p).ceil() as usize).saturating_sub(1))
            .copied()
            .unwrap_or(0) as f64
            / 1000.0
    };
    println!(
        "{name:<9} {:>7} ok in {:>5.1} s = {:>7.0} req/s   p50 {:>6.2} ms   p99 {:>6.2} ms   errors {errors}",
        all.len(),
        elapsed.as_secs_f64(),
        all.len() as f64 / elapsed.as_secs_f64(),
        pct(0.50),
        pct(0.99),
    );
    !all.is_empty()
}

async fn identify(client: &reqwest::Client, base: &str, k: u32) -> Result<Option<String>, ()> {
    let body = json!({ "last_name": "Loadtest", "date_of_birth": birth_date(k) });
    let response = client
        .post(format!("{base}/api/v1/kiosk/identify"))
        .json(&body)
        .send()
        .await
        .map_err(|_| ())?;
    if !response.status().is_success() {
        return Err(());
    }
    let value: serde_json::Value = response.json().await.map_err(|_| ())?;
    Ok(value["appointment"]["match_token"].as_str().map(str::to_owned))
}

async fn check_in(client: &reqwest::Client, base: &str, token: &str) -> bool {
    let response = client
        .post(format!("{base}/api/v1/kiosk/check-in"))
        .json(&json!({ "match_token": token }))
        .send()
        .await;
    matches!(response, Ok(r) if r.status().is_success())
}

/// Match tokens for patients 0..count, identified `concurrency` at a time (untimed); a patient
/// whose identify failed is left out.
async fn match_tokens(client: &reqwest::Client, options: &Arc<Options>, count: u32) -> Vec<String> {
    let next = Arc::new(AtomicU32::new(0));
    let workers: Vec<_> = (0..options.concurrency)
        .map(|_| {
            let (client, options, next) = (client.clone(), options.clone(), next.clone());
            tokio::spawn(async move {
                let mut tokens = Vec::new();
                loop {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    if k >= count {
                        return tokens;
                    }
                    if let Ok(Some(token)) = identify(&client, &options.base, k).await {
                        tokens.push(token);
                    }
                }
            })
        })
        .collect();
    let mut tokens = Vec::with_capacity(count as usize);
    for worker in workers {
        tokens.extend(worker.await.expect("worker"));
    }
    tokens
}

/// What one request of a phase came to.
enum Outcome {
    /// Succeeded; the timed part took this long.
    Ok(Duration),
    Failed,
    /// No synthetic patient left for this phase.
    Exhausted,
}

/// Runs `request(k)` for k = 0, 1, 2, … from `concurrency` workers until `seconds` pass or the
/// patients run out; returns each worker's tally and the elapsed time.
async fn run_phase<F, Fut>(options: &Options, request: F) -> (Vec<Tally>, Duration)
where
    F: Fn(u32) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = Outcome> + Send,
{
    let next = Arc::new(AtomicU32::new(0));
    let started = Instant::now();
    let deadline = started + Duration::from_secs(options.seconds);
    let workers: Vec<_> = (0..options.concurrency)
        .map(|_| {
            let (next, request) = (next.clone(), request.clone());
            tokio::spawn(async move {
                let mut tally = Tally {
                    latencies_us: Vec::new(),
                    errors: 0,
                };
                while Instant::now() < deadline {
                    match request(next.fetch_add(1, Ordering::Relaxed)).await {
                        Outcome::Ok(took) => tally.latencies_us.push(took.as_micros() as u64),
                        Outcome::Failed => tally.errors += 1,
                        Outcome::Exhausted => break,
                    }
                }
                tally
            })
        })
        .collect();
    let mut tallies = Vec::new();
    for worker in workers {
        tallies.push(worker.await.expect("worker"));
    }
    (tallies, started.elapsed())
}

#[tokio::main]
async fn main() {
    let options = match parse_args() {
        Ok(o) => Arc::new(o),
        Err(e) => {
            eprintln!("arrive-loadgen: {e}");
            std::process::exit(2);
        }
    };
    // Every kiosk call carries the enrolled tablet's device token.
    let mut headers = reqwest::header::HeaderMap::new();
    match options.kiosk_token.parse() {
        Ok(token) => {
            headers.insert("x-kiosk-token", token);
        }
        Err(_) => {
            eprintln!("arrive-loadgen: --kiosk-token is required");
            std::process::exit(2);
        }
    }
    let client = match reqwest::Client::builder().default_headers(headers).build() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("arrive-loadgen: {e}");
            std::process::exit(2);
        }
    };
    println!("concurrency {}, {} s per phase", options.concurrency, options.seconds);

    // Phase 1: identify, over every synthetic patient in turn.
    let (c, o) = (client.clone(), options.clone());
    let (tallies, elapsed) = run_phase(&options, move |k| {
        let (client, options) = (c.clone(), o.clone());
        async move {
            let started = Instant::now();
            match identify(&client, &options.base, k % options.patients).await {
                Ok(Some(_)) => Outcome::Ok(started.elapsed()),
                _ => Outcome::Failed,
            }
        }
    })
    .await;
    let identify_ok = report("identify", tallies, elapsed);

    // Each patient checks in once: two thirds go to the check-in phase (the faster one), the
    // rest to the arrival phase, and the fan-out takes the last few.
    const FAN_OUT_CHECK_INS: u32 = 50;
    let check_in_patients = options.patients.saturating_sub(FAN_OUT_CHECK_INS) / 3 * 2;
    let arrival_patients = check_in_patients..options.patients.saturating_sub(FAN_OUT_CHECK_INS);

    // Phase 2: check-in submissions alone. Each patient is identified first, untimed, so the
    // phase measures what the issue asks: check-ins per second. Each is a first arrival.
    let tokens = Arc::new(match_tokens(&client, &options, check_in_patients).await);
    let (c, o, t) = (client.clone(), options.clone(), tokens.clone());
    let (tallies, elapsed) = run_phase(&options, move |k| {
        let (client, options, tokens) = (c.clone(), o.clone(), t.clone());
        async move {
            let Some(token) = tokens.get(k as usize) else {
                return Outcome::Exhausted;
            };
            let started = Instant::now();
            if check_in(&client, &options.base, token).await {
                Outcome::Ok(started.elapsed())
            } else {
                Outcome::Failed
            }
        }
    })
    .await;
    if elapsed < Duration::from_secs(options.seconds) {
        println!("(check-in ran out of synthetic patients before {} s)", options.seconds);
    }
    let check_in_ok = report("check-in", tallies, elapsed);

    // Phase 2b: what a kiosk does for each arrival, identify then check in; the rate counts
    // arrivals (pairs), the latency times the check-in.
    let (c, o, range) = (client.clone(), options.clone(), arrival_patients.clone());
    let (tallies, elapsed) = run_phase(&options, move |k| {
        let (client, options) = (c.clone(), o.clone());
        let k = range.start + k;
        let in_range = range.contains(&k);
        async move {
            if !in_range {
                return Outcome::Exhausted;
            }
            let Ok(Some(token)) = identify(&client, &options.base, k).await else {
                return Outcome::Failed;
            };
            let started = Instant::now();
            if check_in(&client, &options.base, &token).await {
                Outcome::Ok(started.elapsed())
            } else {
                Outcome::Failed
            }
        }
    })
    .await;
    let arrival_ok = report("arrival", tallies, elapsed);
    if !(identify_ok && check_in_ok && arrival_ok) {
        eprintln!("arrive-loadgen: a phase had no successful request; is the server seeded with --patients?");
        std::process::exit(1);
    }

    // Phase 3: fan-out to front desk boards, with the patients at the end of the list.
    let cookie = match boards::sign_in(&client, &options.base, "admin", &options.admin_password).await {
        Ok(c) => c,
        Err(e) => {
            eprintln!("arrive-loadgen: {e}");
            std::process::exit(1);
        }
    };
    let (c, o) = (client.clone(), options.clone());
    let result = boards::fan_out(
        &options.base,
        &cookie,
        options.boards,
        FAN_OUT_CHECK_INS,
        options.server_pid,
        move |i| {
            let (client, options) = (c.clone(), o.clone());
            async move {
                let k = options.patients.checked_sub(1 + i)?;
                let token = identify(&client, &options.base, k).await.ok()??;
                let started = Instant::now();
                let response = client
                    .post(format!("{}/api/v1/kiosk/check-in", options.base))
                    .json(&json!({ "match_token": token }))
                    .send()
                    .await
                    .ok()?;
                let body: serde_json::Value = response.json().await.ok()?;
                Some((body["arrived_at"].as_str()?.to_owned(), started))
            }
        },
    )
    .await;
    if let Err(e) = result {
        eprintln!("arrive-loadgen: {e}");
        std::process::exit(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn birth_dates_walk_the_calendar() {
        assert_eq!(birth_date(0), "1910-01-01");
        assert_eq!(birth_date(31), "1910-02-01");
        assert_eq!(birth_date(365), "1911-01-01");
    }
}
