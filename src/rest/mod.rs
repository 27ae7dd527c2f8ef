//! Flink REST client (record, apply).
//!
//! A small blocking client over [`ureq`] for the handful of endpoints planscale needs: job list and
//! details (`GET /jobs/overview`, `GET /jobs/:id`, `GET /jobs/:id/plan`), metric names and
//! aggregated subtask metrics (`GET /jobs/:id/vertices/:vid/subtasks/metrics`), and resource
//! requirements (`GET`/`PUT /jobs/:id/resource-requirements`, formats.md §7.1).
//!
//! Responses are read as loose JSON ([`types`]): Flink 1.x and 2.x shapes, numbers that arrive as
//! floats or strings, and `NaN` (quoted, as Jackson writes it, or bare). Bodies are read as bytes
//! up to [`MAX_BODY_BYTES`] and parsed straight into the structs planscale keeps, never into a
//! `serde_json::Value`, so a hostile answer costs memory in proportion to its size, not ~50 times
//! it. Every failure becomes a
//! [`RestError`] whose text names the request and says what went wrong in words: connection
//! refused, no answer within the timeout, or Flink's own error messages without the Java stack.
//!
//! The two commands are operations here, typed request in, typed outcome out:
//! [`recording::record`] and [`rescale::apply`], both starting with [`lookup::fetch_job`]. Their
//! parts are in [`record`] (the poll loop and the files) and [`apply`] (targets, the request body,
//! the wait). The command line only maps flags to requests and outcomes to `render::live`.

pub mod apply;
pub mod lookup;
pub mod record;
pub mod recording;
pub mod rescale;
pub mod types;

/// The fake Flink of the integration tests, for the operations' unit tests.
#[cfg(test)]
#[path = "../../fixtures/rest/fake_server.rs"]
#[allow(unreachable_pub)]
pub(crate) mod fake_server;

use std::fmt;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

pub use types::{
    AggregatedMetric, Bounds, JobDetails, JobPlan, JobSummary, JobVertex, PlanInput, PlanNode,
    Requirements,
};

/// The aggregations `record` asks for (metrics.md: `.min`, `.max`, `.avg`, `.sum`).
pub const AGGREGATIONS: [&str; 4] = ["min", "max", "avg", "sum"];

/// Flink's REST server (Netty) rejects request lines over 4096 bytes; metric queries are split so
/// each URL stays well below that.
const MAX_QUERY_CHARS: usize = 2000;

/// Largest response body read (job details of very large jobs stay far below this).
pub const MAX_BODY_BYTES: u64 = 64 * 1024 * 1024;

/// A failed REST call.
#[derive(Debug, Clone, PartialEq)]
pub enum RestError {
    /// The base URL cannot be used.
    BadUrl { url: String, reason: String },
    /// No TCP connection: refused, unreachable, reset.
    Connect {
        method: &'static str,
        url: String,
        reason: String,
    },
    /// The cluster did not answer within the timeout.
    Timeout {
        method: &'static str,
        url: String,
        timeout: Duration,
    },
    /// Flink answered with a status other than 2xx; `errors` are Flink's messages without stack
    /// traces.
    Status {
        method: &'static str,
        url: String,
        status: u16,
        errors: Vec<String>,
    },
    /// Given up on: Ctrl-C or SIGTERM, or the `--duration` deadline passed.
    Interrupted {
        method: &'static str,
        url: String,
        deadline: bool,
    },
    /// The answer is larger than [`MAX_BODY_BYTES`].
    TooLarge {
        method: &'static str,
        url: String,
        limit: u64,
    },
    /// A 3xx answer: planscale follows no redirect (a `PUT` must not land elsewhere).
    Redirect {
        method: &'static str,
        url: String,
        status: u16,
        location: Option<String>,
    },
    /// The answer is not the JSON expected.
    Parse {
        method: &'static str,
        url: String,
        reason: String,
    },
}

impl RestError {
    /// HTTP 404: an unknown id, or a job that finished and left the cluster's history.
    pub fn is_not_found(&self) -> bool {
        matches!(self, RestError::Status { status: 404, .. })
    }

    /// Ctrl-C, SIGTERM or the deadline ended the request.
    pub fn is_interrupted(&self) -> bool {
        matches!(self, RestError::Interrupted { .. })
    }

    /// The cluster could not be reached at all (refused or timed out).
    pub fn is_unreachable(&self) -> bool {
        matches!(self, RestError::Connect { .. } | RestError::Timeout { .. })
    }
}

impl fmt::Display for RestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RestError::BadUrl { url, reason } => write!(f, "`{url}`: {reason}"),
            RestError::Connect {
                method,
                url,
                reason,
            } => write!(f, "{method} {url}: cannot connect: {reason}"),
            RestError::Timeout {
                method,
                url,
                timeout,
            } => write!(
                f,
                "{method} {url}: no answer within {} (raise --timeout if the cluster is busy)",
                crate::value::DurationMs(timeout.as_millis() as i64)
            ),
            RestError::Status {
                method,
                url,
                status,
                errors,
            } => {
                write!(f, "{method} {url}: {status} {}", reason_phrase(*status))?;
                if !errors.is_empty() {
                    write!(f, ": {}", errors.join(" | "))?;
                }
                Ok(())
            }
            RestError::Interrupted {
                method,
                url,
                deadline,
            } => write!(
                f,
                "{method} {url}: given up: {}",
                if *deadline {
                    "--duration ended before the answer"
                } else {
                    "interrupted"
                }
            ),
            RestError::TooLarge { method, url, limit } => write!(
                f,
                "{method} {url}: the answer is larger than {} MiB: not an answer of Flink's REST API",
                limit / (1024 * 1024)
            ),
            RestError::Redirect {
                method,
                url,
                status,
                location,
            } => match location {
                Some(to) => write!(
                    f,
                    "{method} {url}: {status} redirect to `{to}`, which planscale does not \
                     follow: pass the cluster's REST URL itself as --rest"
                ),
                None => write!(
                    f,
                    "{method} {url}: {status} redirect without a Location, which planscale \
                     does not follow: pass the cluster's REST URL itself as --rest"
                ),
            },
            RestError::Parse {
                method,
                url,
                reason,
            } => write!(f, "{method} {url}: unexpected answer: {reason}"),
        }
    }
}

impl std::error::Error for RestError {}

fn reason_phrase(status: u16) -> &'static str {
    match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "",
    }
}

/// An answer with a 2xx status.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub status: u16,
    /// The body as text (lossy where it is not UTF-8).
    pub body: String,
}

/// A blocking client for one Flink cluster's REST API.
#[derive(Clone)]
pub struct Client {
    base: String,
    agent: ureq::Agent,
    timeout: Duration,
    interrupt: Option<Interrupt>,
    /// Whether `--ca-cert` replaced the public roots (the hint for an unknown issuer names it).
    private_ca: bool,
}

/// What ends a request early: the stop flag (Ctrl-C, SIGTERM) and a deadline (`--duration`).
#[derive(Debug, Clone, Copy)]
pub struct Interrupt {
    pub stop: &'static AtomicBool,
    pub deadline: Option<Instant>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base", &self.base)
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl Client {
    /// A client for `base` (`http://host:port`, optionally with a path prefix) with a timeout for
    /// each whole request. Proxies come from the environment by curl's rules ([`proxy_for`]),
    /// never for a loopback host.
    pub fn new(base: &str, timeout: Duration) -> Result<Client, RestError> {
        Client::with_ca(base, timeout, None)
    }

    /// [`Client::new`], trusting only `ca` for https when given (`--ca-cert`: a cluster behind
    /// an ingress with a company CA).
    pub fn with_ca(
        base: &str,
        timeout: Duration,
        ca: Option<&CaCerts>,
    ) -> Result<Client, RestError> {
        let base = normalize_base(base);
        let bad = |reason: &str| RestError::BadUrl {
            url: base.clone(),
            reason: reason.to_string(),
        };
        let (scheme, rest) = split_scheme(&base).map_err(|p| match p {
            SchemeProblem::HttpsNeedsFeature => bad(
                "https:// needs planscale built with `--features https`; Flink's REST API \
                 is usually plain http://",
            ),
            SchemeProblem::NotHttp => bad(
                "expected an http:// URL of the cluster's REST endpoint, e.g. http://127.0.0.1:8081",
            ),
        })?;
        let host = checked_host(&base, rest).map_err(bad)?;
        let config = agent_config(scheme, host, timeout, ca)
            .map_err(|(url, reason)| RestError::BadUrl { url, reason })?;
        Ok(Client {
            base,
            agent: config.into(),
            timeout,
            interrupt: None,
            private_ca: ca.is_some(),
        })
    }

    /// The same client, its requests given up as soon as `stop` is set or `deadline` passes
    /// ([`RestError::Interrupted`]).
    pub fn interruptible(&self, stop: &'static AtomicBool, deadline: Option<Instant>) -> Client {
        Client {
            interrupt: Some(Interrupt { stop, deadline }),
            ..self.clone()
        }
    }

    /// The base URL without a trailing slash.
    pub fn base(&self) -> &str {
        &self.base
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    fn map_err(&self, method: &'static str, url: &str, e: ureq::Error) -> RestError {
        let mut e = self.map_err_plain(method, url, e);
        if let RestError::Connect { reason, .. } = &mut e {
            hint_private_ca(reason, self.private_ca);
        }
        e
    }

    fn map_err_plain(&self, method: &'static str, url: &str, e: ureq::Error) -> RestError {
        match e {
            ureq::Error::Timeout(_) => RestError::Timeout {
                method,
                url: url.to_string(),
                timeout: self.timeout,
            },
            ureq::Error::Io(io) => match io.kind() {
                std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => {
                    RestError::Timeout {
                        method,
                        url: url.to_string(),
                        timeout: self.timeout,
                    }
                }
                kind => RestError::Connect {
                    method,
                    url: url.to_string(),
                    reason: match kind {
                        std::io::ErrorKind::ConnectionRefused => {
                            "connection refused (is the cluster running, and is this its REST \
                             port?)"
                                .to_string()
                        }
                        std::io::ErrorKind::ConnectionReset
                        | std::io::ErrorKind::ConnectionAborted
                        | std::io::ErrorKind::UnexpectedEof => {
                            "the connection was closed before an answer (the cluster may be \
                             restarting)"
                                .to_string()
                        }
                        _ => crate::io::describe_io(&io),
                    },
                },
            },
            ureq::Error::BodyExceedsLimit(limit) => RestError::TooLarge {
                method,
                url: url.to_string(),
                limit,
            },
            ureq::Error::HostNotFound => RestError::Connect {
                method,
                url: url.to_string(),
                reason: "host not found".to_string(),
            },
            ureq::Error::ConnectionFailed => RestError::Connect {
                method,
                url: url.to_string(),
                reason: "connection failed".to_string(),
            },
            other => RestError::Connect {
                method,
                url: url.to_string(),
                reason: other.to_string(),
            },
        }
    }

    /// Sends a request built by `send` and reads the whole answer: inline, or, when the client
    /// is [`Client::interruptible`], on a thread of its own while this one watches the stop flag
    /// and the deadline. A cluster that accepts and never answers then holds `record` up for
    /// 50 ms after Ctrl-C, not for every vertex times `--timeout`; the abandoned request ends
    /// with the process.
    fn exchange(
        &self,
        method: &'static str,
        url: &str,
        send: impl FnOnce(&ureq::Agent) -> Result<ureq::http::Response<ureq::Body>, ureq::Error>
            + Send
            + 'static,
    ) -> Result<(u16, Vec<u8>), RestError> {
        fn read(
            agent: &ureq::Agent,
            send: impl FnOnce(&ureq::Agent) -> Result<ureq::http::Response<ureq::Body>, ureq::Error>,
        ) -> Result<(u16, Vec<u8>, Option<String>), ureq::Error> {
            let mut response = send(agent)?;
            let status = response.status().as_u16();
            let location = response.headers().get("location").map(|v| {
                String::from_utf8_lossy(v.as_bytes())
                    .chars()
                    .take(300)
                    .collect()
            });
            let body = response
                .body_mut()
                .with_config()
                .limit(MAX_BODY_BYTES)
                .read_to_vec()?;
            Ok((status, body, location))
        }
        let result = match self.interrupt {
            None => read(&self.agent, send),
            Some(interrupt) => {
                let (tx, rx) = std::sync::mpsc::channel();
                let agent = self.agent.clone();
                std::thread::spawn(move || {
                    let _ = tx.send(read(&agent, send));
                });
                loop {
                    let stopped = interrupt.stop.load(std::sync::atomic::Ordering::SeqCst);
                    let late = interrupt.deadline.is_some_and(|d| Instant::now() >= d);
                    if stopped || late {
                        return Err(RestError::Interrupted {
                            method,
                            url: url.to_string(),
                            deadline: !stopped,
                        });
                    }
                    match rx.recv_timeout(Duration::from_millis(50)) {
                        Ok(r) => break r,
                        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => continue,
                        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                            break Err(ureq::Error::ConnectionFailed)
                        }
                    }
                }
            }
        };
        let (status, body, location) = result.map_err(|e| self.map_err(method, url, e))?;
        if (200..300).contains(&status) {
            Ok((status, body))
        } else if (300..400).contains(&status) {
            Err(RestError::Redirect {
                method,
                url: url.to_string(),
                status,
                location,
            })
        } else {
            Err(RestError::Status {
                method,
                url: url.to_string(),
                status,
                errors: flink_errors_of(&body),
            })
        }
    }

    /// `GET path`, the 2xx body as bytes.
    fn get_bytes(&self, path: &str) -> Result<Vec<u8>, RestError> {
        let url = self.url(path);
        let target = url.clone();
        self.exchange("GET", &url, move |agent| {
            agent
                .get(&target)
                .header("Accept", "application/json")
                .call()
        })
        .map(|(_, body)| body)
    }

    /// `PUT path` with a JSON body.
    pub fn put_json(&self, path: &str, body: &str) -> Result<Answer, RestError> {
        let url = self.url(path);
        let target = url.clone();
        let body = body.to_string();
        let (status, body) = self.exchange("PUT", &url, move |agent| {
            agent
                .put(&target)
                .header("Content-Type", "application/json")
                .header("Accept", "application/json")
                .send(&body)
        })?;
        Ok(Answer {
            status,
            body: String::from_utf8_lossy(&body).into_owned(),
        })
    }

    /// `GET path` read by `parse` from its JSON text (UTF-8, bare non-finite numbers quoted).
    fn parsed<T>(
        &self,
        path: &str,
        parse: impl FnOnce(String) -> Result<T, String>,
    ) -> Result<T, RestError> {
        let bytes = self.get_bytes(path)?;
        let error = |reason| RestError::Parse {
            method: "GET",
            url: self.url(path),
            reason,
        };
        let text = json_text(bytes).map_err(error)?;
        parse(text).map_err(error)
    }

    /// `GET /overview`: the cluster overview (`flink-version`, `slots-available`).
    pub fn overview(&self) -> Result<types::Overview, RestError> {
        self.parsed("/overview", |t| types::parse_overview(t.as_bytes()))
    }

    /// `GET /jobs/overview`: every job the cluster knows, running or in its history.
    pub fn jobs(&self) -> Result<Vec<JobSummary>, RestError> {
        self.parsed("/jobs/overview", |t| {
            types::parse_jobs_overview(t.as_bytes())
        })
    }

    /// `GET /jobs/:id`: job details with vertices and the job plan. Details whose `jid` is not
    /// `job` are refused: whatever answered (a proxy, a wrong path prefix in the base URL) is not
    /// the job asked about, and `apply` must never send a request for one job on the strength
    /// of another's details.
    pub fn job_details(&self, job: &str) -> Result<JobDetails, RestError> {
        self.parsed(&format!("/jobs/{}", encode(job)), |text| {
            let d = types::parse_job_details(text)?;
            if !d.id.eq_ignore_ascii_case(job) {
                return Err(format!(
                    "the answer is the details of job {} ({}), not of job {job}",
                    d.id, d.name
                ));
            }
            Ok(d)
        })
    }

    /// `GET /jobs/:id/plan`.
    pub fn job_plan(&self, job: &str) -> Result<JobPlan, RestError> {
        self.parsed(&format!("/jobs/{}/plan", encode(job)), |t| {
            types::parse_plan(t.as_bytes())
        })
    }

    /// The metric ids a vertex's subtasks report (`GET .../subtasks/metrics` without `get=`).
    pub fn metric_names(&self, job: &str, vertex: &str) -> Result<Vec<String>, RestError> {
        self.parsed(
            &format!(
                "/jobs/{}/vertices/{}/subtasks/metrics",
                encode(job),
                encode(vertex)
            ),
            |t| types::parse_metric_names(t.as_bytes()),
        )
    }

    /// Aggregated subtask metrics (`GET .../subtasks/metrics?get=...&agg=...`), in as many
    /// requests as keep each URL short.
    pub fn metrics(
        &self,
        job: &str,
        vertex: &str,
        names: &[String],
        aggs: &[&str],
    ) -> Result<Vec<AggregatedMetric>, RestError> {
        let mut out = Vec::new();
        let agg = aggs.join(",");
        let mut chunk: Vec<String> = Vec::new();
        let mut len = 0;
        let mut chunks = Vec::new();
        for name in names {
            let e = encode(name);
            if !chunk.is_empty() && len + e.len() + 1 > MAX_QUERY_CHARS {
                chunks.push(std::mem::take(&mut chunk));
                len = 0;
            }
            len += e.len() + 1;
            chunk.push(e);
        }
        if !chunk.is_empty() {
            chunks.push(chunk);
        }
        for chunk in chunks {
            let path = format!(
                "/jobs/{}/vertices/{}/subtasks/metrics?get={}&agg={}",
                encode(job),
                encode(vertex),
                chunk.join(","),
                agg
            );
            let answer = self.parsed(&path, |t| types::parse_aggregated_metrics(t.as_bytes()))?;
            // Only the ids asked for, each once: an answer cannot grow what is kept.
            for m in answer {
                if names.contains(&m.id) && !out.iter().any(|o: &AggregatedMetric| o.id == m.id) {
                    out.push(m);
                }
            }
        }
        Ok(out)
    }

    /// `GET /jobs/:id/resource-requirements`.
    pub fn resource_requirements(&self, job: &str) -> Result<Requirements, RestError> {
        self.parsed(
            &format!("/jobs/{}/resource-requirements", encode(job)),
            |t| types::parse_requirements(t.as_bytes()),
        )
    }

    /// `PUT /jobs/:id/resource-requirements` with `body` as it is.
    pub fn put_resource_requirements(&self, job: &str, body: &str) -> Result<Answer, RestError> {
        self.put_json(
            &format!("/jobs/{}/resource-requirements", encode(job)),
            body,
        )
    }
}

/// `host` of `host:port/path` (IPv6 literals in brackets keep their brackets).
/// `raw` as a base URL: `http://` in front when it has no scheme (`127.0.0.1:8081` is
/// http://127.0.0.1:8081, as curl reads a URL without one), no trailing `/`.
pub fn normalize_base(raw: &str) -> String {
    let raw = raw.trim();
    let base = if raw.contains("://") {
        raw.to_string()
    } else {
        format!("http://{raw}")
    };
    base.trim_end_matches('/').to_string()
}

/// Why a base URL's scheme cannot be used; each client words it with its own example.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SchemeProblem {
    /// `https://` in a build without the `https` feature.
    HttpsNeedsFeature,
    /// Neither `http://` nor `https://`.
    NotHttp,
}

/// The scheme of a normalized base and what follows `scheme://`.
pub fn split_scheme(base: &str) -> Result<(&'static str, &str), SchemeProblem> {
    if let Some(r) = base.strip_prefix("http://") {
        Ok(("http", r))
    } else if let Some(r) = base.strip_prefix("https://") {
        if cfg!(feature = "https") {
            Ok(("https", r))
        } else {
            Err(SchemeProblem::HttpsNeedsFeature)
        }
    } else {
        Err(SchemeProblem::NotHttp)
    }
}

/// The host of `rest` (what follows `scheme://` in `base`), once the URL is known to have one
/// and no query or fragment; else the reason, in words.
pub fn checked_host<'a>(base: &str, rest: &'a str) -> Result<&'a str, &'static str> {
    let host = host_of(rest);
    if host.is_empty() {
        return Err("the URL has no host");
    }
    if base.contains(['?', '#']) {
        return Err("the URL must not have a query or fragment");
    }
    Ok(host)
}

/// The HTTP agent both clients use: a timeout for each whole request, statuses as answers (not
/// errors), no redirects, planscale's user agent, and the proxy curl's rules pick from the
/// environment ([`proxy_for`]; never ureq's own reading of it: ALL_PROXY before HTTP_PROXY,
/// HTTPS_PROXY for http URLs, loopback spellings proxied). A proxy that cannot be used is
/// `(its URL, why)`.
pub fn agent_config(
    scheme: &str,
    host: &str,
    timeout: Duration,
    ca: Option<&CaCerts>,
) -> Result<ureq::config::Config, (String, String)> {
    let proxy = match proxy_for(scheme, host, &|name| std::env::var(name).ok()) {
        None => None,
        Some(p) => {
            let uri = if p.contains("://") {
                p
            } else {
                format!("http://{p}")
            };
            let proxy = ureq::Proxy::new(&uri).map_err(|e| {
                (
                    uri.clone(),
                    format!("the proxy from the environment cannot be used: {e}"),
                )
            })?;
            Some(proxy)
        }
    };
    let builder = ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        .max_redirects(0)
        .user_agent(concat!("planscale/", env!("CARGO_PKG_VERSION")))
        .proxy(proxy);
    Ok(match ca {
        #[cfg(feature = "https")]
        Some(ca) => builder
            .tls_config(
                ureq::tls::TlsConfig::builder()
                    .root_certs(ureq::tls::RootCerts::new_with_certs(&ca.certs))
                    .build(),
            )
            .build(),
        _ => builder.build(),
    })
}

/// A certificate the roots do not know is most often a private CA's: the connection error says
/// which flag names one, unless `--ca-cert` was given (for Flink REST and Prometheus alike).
pub(crate) fn hint_private_ca(reason: &mut String, ca_given: bool) {
    if reason.contains("UnknownIssuer") && !ca_given {
        reason.push_str(" (signed by a private CA? --ca-cert FILE names it)");
    }
}

/// The certificate authorities a server's certificate must chain to, instead of the WebPKI
/// roots (`--ca-cert`): a private CA, as curl's `--cacert` and Prometheus' own `ca_file` take
/// it.
#[derive(Debug, Clone)]
pub struct CaCerts {
    #[cfg(feature = "https")]
    certs: Vec<ureq::tls::Certificate<'static>>,
}

impl CaCerts {
    /// The certificates of a PEM file (one or more `CERTIFICATE` blocks; keys and other blocks
    /// are refused, so a key file given by mistake is said so).
    pub fn from_pem(pem: &[u8]) -> Result<CaCerts, String> {
        #[cfg(feature = "https")]
        {
            use ureq::tls::PemItem;
            let mut certs = Vec::new();
            for item in ureq::tls::parse_pem(pem) {
                match item.map_err(|e| format!("not PEM: {e}"))? {
                    PemItem::Certificate(c) => certs.push(c),
                    PemItem::PrivateKey(_) => {
                        return Err("holds a private key: give the CA's certificate".into())
                    }
                    _ => return Err("holds a PEM block that is not a certificate".into()),
                }
            }
            if certs.is_empty() {
                return Err("no PEM certificate (-----BEGIN CERTIFICATE-----) in it".into());
            }
            Ok(CaCerts { certs })
        }
        #[cfg(not(feature = "https"))]
        {
            let _ = pem;
            Err(
                "a CA certificate is for https://, and this planscale was built without the \
                 `https` feature"
                    .into(),
            )
        }
    }
}

pub fn host_of(rest: &str) -> &str {
    let authority = rest.split('/').next().unwrap_or("");
    let authority = authority.rsplit('@').next().unwrap_or(authority);
    if authority.starts_with('[') {
        match authority.find(']') {
            Some(i) => &authority[..=i],
            None => authority,
        }
    } else {
        authority.split(':').next().unwrap_or("")
    }
}

/// Whether `host` (as in the URL, IPv6 literals in brackets) is this machine in any spelling:
/// `localhost` and `*.localhost` (RFC 6761), with or without the root's trailing dot, IPv6
/// loopback (`::1`, `::ffff:127.x.y.z`), and every IPv4 form the resolver accepts (`inet_aton`:
/// `127.1`, `2130706433`, `0x7f.1`, `0177.0.0.1`) in 127.0.0.0/8 or 0.0.0.0, which Linux
/// connects to this machine too.
pub fn is_loopback_host(host: &str) -> bool {
    let h = host.trim_start_matches('[').trim_end_matches(']');
    let h = h.strip_suffix('.').unwrap_or(h).to_ascii_lowercase();
    if h == "localhost" || h.ends_with(".localhost") {
        return true;
    }
    if let Ok(ip) = h.parse::<std::net::Ipv6Addr>() {
        return ip.is_loopback()
            || ip.is_unspecified()
            || ip.to_ipv4_mapped().is_some_and(|v4| v4.octets()[0] == 127);
    }
    inet_aton(&h).is_some_and(|ip| ip >> 24 == 127 || ip == 0)
}

/// An IPv4 address as `inet_aton` reads it: one to four parts, each decimal, octal (leading `0`)
/// or hex (`0x`), the last filling the bytes that are left.
fn inet_aton(s: &str) -> Option<u32> {
    let parts: Vec<&str> = s.split('.').collect();
    if parts.is_empty() || parts.len() > 4 {
        return None;
    }
    let mut nums = Vec::with_capacity(4);
    for p in &parts {
        let (digits, radix) = if let Some(x) = p.strip_prefix("0x").or(p.strip_prefix("0X")) {
            (x, 16)
        } else if p.len() > 1 && p.starts_with('0') {
            (&p[1..], 8)
        } else {
            (*p, 10)
        };
        if digits.is_empty() && radix != 16 {
            return None;
        }
        let n = if digits.is_empty() {
            0
        } else {
            u64::from_str_radix(digits, radix).ok()?
        };
        nums.push(n);
    }
    let (last, head) = nums.split_last()?;
    let mut ip: u64 = 0;
    for (i, n) in head.iter().enumerate() {
        if *n > 255 {
            return None;
        }
        ip |= n << (24 - 8 * i);
    }
    let room = 32 - 8 * head.len() as u32;
    if *last >= 1u64 << room {
        return None;
    }
    u32::try_from(ip | last).ok()
}

/// The proxy for a request to `host` over `scheme`, by curl's rules (curl(1), ENVIRONMENT):
/// `http_proxy` (lower case only: `HTTP_PROXY` can be set by a web request in CGI programs) for
/// `http`, `https_proxy`/`HTTPS_PROXY` for `https`, else `all_proxy`/`ALL_PROXY`; none when
/// `no_proxy`/`NO_PROXY` matches the host. A loopback host never goes through a proxy, however
/// it is spelled: the cluster on this machine is not behind the proxy of the network.
pub fn proxy_for(scheme: &str, host: &str, env: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    if is_loopback_host(host) {
        return None;
    }
    let var = |names: &[&str]| {
        names
            .iter()
            .find_map(|n| env(n).filter(|v| !v.trim().is_empty()))
    };
    let proxy = match scheme {
        "https" => var(&["https_proxy", "HTTPS_PROXY"]),
        _ => var(&["http_proxy"]),
    }
    .or_else(|| var(&["all_proxy", "ALL_PROXY"]))?;
    if let Some(list) = var(&["no_proxy", "NO_PROXY"]) {
        if no_proxy_matches(&list, host) {
            return None;
        }
    }
    Some(proxy.trim().to_string())
}

/// curl's `NO_PROXY` matching: `*` alone matches every host; otherwise entries separated by
/// commas or spaces, each a host name that matches itself and its subdomains (a leading dot
/// is ignored), or an IP address, optionally with a CIDR prefix length.
fn no_proxy_matches(list: &str, host: &str) -> bool {
    let h = host.trim_start_matches('[').trim_end_matches(']');
    let h = h.strip_suffix('.').unwrap_or(h).to_ascii_lowercase();
    let host_ip = h.parse::<std::net::IpAddr>().ok();
    list.split([',', ' ', '\t']).any(|entry| {
        let e = entry.trim();
        if e == "*" {
            return true;
        }
        let e = e.trim_start_matches('.');
        let e = e.strip_suffix('.').unwrap_or(e).to_ascii_lowercase();
        if e.is_empty() {
            return false;
        }
        if let Some(ip) = host_ip {
            let (addr, bits) = match e.split_once('/') {
                Some((a, b)) => (a, b.parse::<u32>().ok()),
                None => (e.as_str(), None),
            };
            let addr = addr.trim_start_matches('[').trim_end_matches(']');
            return match (ip, addr.parse::<std::net::IpAddr>()) {
                (std::net::IpAddr::V4(a), Ok(std::net::IpAddr::V4(b))) => {
                    prefix_eq(u32::from(a).into(), u32::from(b).into(), 32, bits)
                }
                (std::net::IpAddr::V6(a), Ok(std::net::IpAddr::V6(b))) => {
                    prefix_eq(u128::from(a), u128::from(b), 128, bits)
                }
                _ => false,
            };
        }
        h == e || h.ends_with(&format!(".{e}"))
    })
}

fn prefix_eq(a: u128, b: u128, width: u32, bits: Option<u32>) -> bool {
    let bits = bits.unwrap_or(width).min(width);
    if bits == 0 {
        return true;
    }
    let shift = width - bits;
    (a >> shift) == (b >> shift)
}

/// Percent-encodes everything but unreserved characters, for ids and metric names in URLs.
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A body as JSON text: UTF-8 checked, bare non-finite numbers quoted.
fn json_text(body: Vec<u8>) -> Result<String, String> {
    if let Err(e) = std::str::from_utf8(&body) {
        let at = e.valid_up_to();
        return Err(format!(
            "not UTF-8 text (byte {at}): `{}`",
            String::from_utf8_lossy(&body[..body.len().min(120)])
        ));
    }
    let quoted = match quote_non_finite(&body) {
        std::borrow::Cow::Borrowed(_) => body,
        std::borrow::Cow::Owned(q) => q,
    };
    // Valid UTF-8 with ASCII inserted between characters stays valid.
    String::from_utf8(quoted).map_err(|e| format!("not UTF-8 text: {e}"))
}

/// Parses a REST body as JSON, accepting the bare `NaN`/`Infinity` tokens some JSON writers emit
/// (they become the strings Jackson writes by default).
pub fn parse_json(body: &str) -> Result<serde_json::Value, String> {
    let text = quote_non_finite(body.as_bytes());
    serde_json::from_slice(&text).map_err(|e| not_json(body.as_bytes(), &e))
}

/// `not JSON (why): `head``, the head of the body as text (lossy: a proxy's error page may be in
/// any encoding).
pub(crate) fn not_json(body: &[u8], e: &serde_json::Error) -> String {
    let head: String = String::from_utf8_lossy(&body[..body.len().min(480)])
        .chars()
        .take(120)
        .collect();
    format!("not JSON ({e}): `{head}`")
}

/// Quotes bare `NaN`, `Infinity` and `-Infinity` outside strings.
///
/// Works on bytes, not `str`: the body may be anything a proxy sends (an HTML error page with
/// multi-byte characters outside any JSON string), and every index here is a byte index, so no
/// input can make it slice inside a character. The tokens and the quote are ASCII, so valid UTF-8
/// stays valid UTF-8.
pub fn quote_non_finite(body: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    const TOKENS: [&[u8]; 3] = [b"-Infinity", b"Infinity", b"NaN"];
    let mut out: Option<Vec<u8>> = None;
    let mut in_string = false;
    let mut escaped = false;
    let mut i = 0;
    let mut last = 0;
    while i < body.len() {
        let b = body[i];
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            i += 1;
            continue;
        }
        if b == b'"' {
            in_string = true;
            i += 1;
            continue;
        }
        if matches!(b, b'-' | b'I' | b'N') {
            if let Some(t) = TOKENS.into_iter().find(|t| body[i..].starts_with(t)) {
                let o = out.get_or_insert_with(|| Vec::with_capacity(body.len() + 16));
                o.extend_from_slice(&body[last..i]);
                o.push(b'"');
                o.extend_from_slice(t);
                o.push(b'"');
                i += t.len();
                last = i;
                continue;
            }
        }
        i += 1;
    }
    match out {
        None => std::borrow::Cow::Borrowed(body),
        Some(mut o) => {
            o.extend_from_slice(&body[last..]);
            std::borrow::Cow::Owned(o)
        }
    }
}

/// Flink's error body `{"errors": [...]}` as short messages: stack frames and the
/// `<Exception on server side:` wrapper dropped, at most three lines per error.
pub fn flink_errors(body: &str) -> Vec<String> {
    flink_errors_of(body.as_bytes())
}

/// [`flink_errors`] of a body in bytes (a proxy's error page may be in any encoding).
fn flink_errors_of(body: &[u8]) -> Vec<String> {
    let short = || -> Vec<String> {
        let t = String::from_utf8_lossy(&body[..body.len().min(1200)]);
        let t = t.trim();
        if t.is_empty() {
            Vec::new()
        } else {
            vec![t.chars().take(300).collect()]
        }
    };
    let errors = match json_text(body.to_vec()) {
        Ok(text) => types::parse_errors(text.as_bytes()),
        Err(_) => None,
    };
    let Some(errors) = errors else {
        return short();
    };
    let mut out: Vec<String> = Vec::new();
    for text in errors.iter().take(20) {
        let lines: Vec<&str> = text
            .lines()
            .map(str::trim)
            .filter(|l| {
                !l.is_empty()
                    && !l.starts_with("at ")
                    && !l.starts_with("...")
                    && !l.starts_with("<Exception on server side")
                    && !l.starts_with("End of exception on server side")
            })
            .take(3)
            .collect();
        let msg: String = lines.join(" / ").chars().take(1000).collect();
        if !msg.is_empty() && !out.contains(&msg) {
            out.push(msg);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_without_a_scheme_is_http_as_in_curl() {
        let c = Client::new("127.0.0.1:8081/", Duration::from_secs(1)).unwrap();
        assert_eq!(c.base(), "http://127.0.0.1:8081");
        let e = Client::new("ftp://127.0.0.1:8081", Duration::from_secs(1)).unwrap_err();
        assert!(e.to_string().contains("expected an http:// URL"), "{e}");
    }

    #[test]
    fn bare_nan_and_infinity_become_strings() {
        let v = parse_json(r#"[{"id":"a","min":NaN,"max":Infinity,"avg":-Infinity,"s":"NaN x"}]"#)
            .unwrap();
        assert_eq!(v[0]["min"], "NaN");
        assert_eq!(v[0]["max"], "Infinity");
        assert_eq!(v[0]["avg"], "-Infinity");
        assert_eq!(v[0]["s"], "NaN x");
        let escaped: &[u8] = br#"{"a":"\"NaN"}"#;
        assert!(matches!(
            quote_non_finite(escaped),
            std::borrow::Cow::Borrowed(b) if b == escaped
        ));
    }

    #[test]
    fn a_proxy_page_with_multi_byte_characters_and_nan_is_not_json() {
        // Once a panic: the token search sliced the body inside the `—`.
        let page = "<h1>Erreur 502 \u{2014} NaN Infinity</h1>";
        assert_eq!(
            &*quote_non_finite(page.as_bytes()),
            "<h1>Erreur 502 \u{2014} \"NaN\" \"Infinity\"</h1>".as_bytes()
        );
        let e = parse_json(page).unwrap_err();
        assert!(e.starts_with("not JSON"), "{e}");
        assert!(e.contains("Erreur 502 \u{2014} NaN"), "{e}");
    }

    #[test]
    fn flink_errors_drop_stack_traces() {
        let body = r#"{"errors":["Internal server error.","<Exception on server side:\norg.apache.flink.runtime.rest.handler.RestHandlerException: Job vertex x was not found in the JobGraph.\n\tat org.apache.flink.Foo.bar(Foo.java:1)\n\t... 3 more\nCaused by: java.lang.IllegalArgumentException: boom\n\tat x\n\nEnd of exception on server side>"]}"#;
        assert_eq!(
            flink_errors(body),
            vec![
                "Internal server error.".to_string(),
                "org.apache.flink.runtime.rest.handler.RestHandlerException: Job vertex x was \
                 not found in the JobGraph. / Caused by: java.lang.IllegalArgumentException: boom"
                    .to_string()
            ]
        );
        assert_eq!(flink_errors("oops"), vec!["oops".to_string()]);
        assert!(flink_errors("").is_empty());
    }

    #[test]
    fn proxies_by_curls_rules() {
        fn env(vars: Vec<(&'static str, &'static str)>) -> impl Fn(&str) -> Option<String> {
            move |name: &str| {
                vars.iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.to_string())
            }
        }
        let p = "http://proxy:3128";
        let all = env(vec![
            ("http_proxy", p),
            ("HTTP_PROXY", "http://upper:1"),
            ("https_proxy", "http://s:1"),
        ]);
        assert_eq!(proxy_for("http", "flink", &all).as_deref(), Some(p));
        assert_eq!(
            proxy_for("https", "flink", &all).as_deref(),
            Some("http://s:1")
        );
        for h in [
            "127.1",
            "2130706433",
            "localhost.",
            "[::1]",
            "127.0.0.1",
            "localhost",
        ] {
            assert_eq!(proxy_for("http", h, &all), None, "{h}");
        }
        // HTTP_PROXY alone is not read (curl: it can come from a request header in CGI).
        assert_eq!(
            proxy_for("http", "flink", &env(vec![("HTTP_PROXY", p)])),
            None
        );
        assert_eq!(
            proxy_for("http", "flink", &env(vec![("ALL_PROXY", p)])).as_deref(),
            Some(p)
        );
        let no = |list: &'static str| env(vec![("http_proxy", p), ("NO_PROXY", list)]);
        assert_eq!(
            proxy_for("http", "a.flink.example", &no("flink.example")),
            None
        );
        assert_eq!(
            proxy_for("http", "flink.example", &no(".flink.example")),
            None
        );
        assert_eq!(
            proxy_for("http", "FLINK.example.", &no("flink.example")),
            None
        );
        assert!(proxy_for("http", "xflink.example", &no("flink.example")).is_some());
        assert_eq!(proxy_for("http", "anything", &no("*")), None);
        assert_eq!(proxy_for("http", "10.1.2.3", &no("foo, 10.0.0.0/8")), None);
        assert!(proxy_for("http", "11.1.2.3", &no("10.0.0.0/8")).is_some());
        assert_eq!(proxy_for("http", "[fd00::5]", &no("fd00::/16")), None);
        assert!(proxy_for("http", "flink", &no("")).is_some());
    }

    #[test]
    fn urls() {
        assert_eq!(
            encode("Source__events[7].numRecordsIn"),
            "Source__events%5B7%5D.numRecordsIn"
        );
        assert_eq!(host_of("127.0.0.1:8081/x"), "127.0.0.1");
        assert_eq!(host_of("[::1]:8081"), "[::1]");
        assert!(is_loopback_host("[::1]"));
        assert!(is_loopback_host("localhost"));
        assert!(is_loopback_host("127.0.0.5"));
        assert!(!is_loopback_host("flink.example"));
        for h in [
            "127.1",
            "2130706433",
            "0x7f.1",
            "0177.0.0.1",
            "127.0.0.1.",
            "localhost.",
            "LocalHost",
            "a.localhost",
            "[::1]",
            "[::ffff:127.0.0.1]",
            "0.0.0.0",
            "[::]",
        ] {
            assert!(is_loopback_host(h), "{h}");
        }
        for h in [
            "128.0.0.1",
            "10.0.0.1",
            "1.127.0.0",
            "localhost.example",
            "[::2]",
            "127.1.1.1.1",
        ] {
            assert!(!is_loopback_host(h), "{h}");
        }
        assert_eq!(
            Client::new("127.0.0.1:8081", Duration::from_secs(1))
                .unwrap()
                .base(),
            "http://127.0.0.1:8081"
        );
        assert!(Client::new("http://", Duration::from_secs(1)).is_err());
        let c = Client::new("http://127.0.0.1:8081/", Duration::from_secs(1)).unwrap();
        assert_eq!(c.url("/jobs"), "http://127.0.0.1:8081/jobs");
    }
}
