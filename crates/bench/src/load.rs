//! Bounded load: `concurrency` workers share a count of requests and a time limit; every
//! request's latency is kept, and any answer other than the expected status is an error.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// What one workload measured.
#[derive(Clone, Debug, Default)]
pub struct Sample {
    /// Latency of every request that completed.
    pub latencies: Vec<Duration>,
    /// Wall time of the whole workload.
    pub elapsed: Duration,
    /// Requests that failed (wrong status or transport error).
    pub errors: usize,
    /// The first failure, to show.
    pub first_error: Option<String>,
}

impl Sample {
    /// The `q`-quantile latency in milliseconds (0.5 = median).
    pub fn quantile_ms(&self, q: f64) -> f64 {
        if self.latencies.is_empty() {
            return f64::NAN;
        }
        let mut v = self.latencies.clone();
        v.sort_unstable();
        let rank = ((v.len() as f64 - 1.0) * q).round() as usize;
        v[rank.min(v.len() - 1)].as_secs_f64() * 1000.0
    }

    /// Completed requests per second.
    pub fn throughput(&self) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if secs <= 0.0 {
            return 0.0;
        }
        self.latencies.len() as f64 / secs
    }
}

/// Runs `request(i)` for `i` in `0..total` on `concurrency` workers, stopping early when
/// `limit` has passed. A request returns `Err(reason)` when its answer was wrong.
pub async fn drive<F, Fut>(concurrency: usize, total: usize, limit: Duration, request: F) -> Sample
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), String>> + Send + 'static,
{
    let request = Arc::new(request);
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let deadline = started + limit;
    let mut workers = Vec::new();
    for _ in 0..concurrency.max(1) {
        let request = Arc::clone(&request);
        let next = Arc::clone(&next);
        workers.push(tokio::spawn(async move {
            let mut mine = Sample::default();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= total || Instant::now() > deadline {
                    break;
                }
                let t0 = Instant::now();
                match request(i).await {
                    Ok(()) => mine.latencies.push(t0.elapsed()),
                    Err(e) => {
                        mine.errors += 1;
                        mine.first_error.get_or_insert(e);
                    }
                }
            }
            mine
        }));
    }
    let mut all = Sample::default();
    for w in workers {
        match w.await {
            Ok(s) => {
                all.latencies.extend(s.latencies);
                all.errors += s.errors;
                if all.first_error.is_none() {
                    all.first_error = s.first_error;
                }
            }
            Err(e) => {
                all.errors += 1;
                all.first_error.get_or_insert(e.to_string());
            }
        }
    }
    all.elapsed = started.elapsed();
    all
}

/// Sends a prepared request and checks its status.
pub async fn expect(req: reqwest::RequestBuilder, status: u16) -> Result<(), String> {
    let resp = req.send().await.map_err(|e| e.to_string())?;
    let got = resp.status().as_u16();
    // Read the body whole, as a client would, so its cost is in the latency.
    let body = resp.bytes().await.map_err(|e| e.to_string())?;
    if got == status {
        Ok(())
    } else {
        Err(format!(
            "expected {status}, got {got}: {}",
            String::from_utf8_lossy(&body[..body.len().min(300)])
        ))
    }
}
