//! A blocking client for the three endpoints of Prometheus' HTTP API that `fetch` needs:
//! `/api/v1/series`, `/api/v1/label/<name>/values` and `/api/v1/query_range`.
//!
//! Requests are `GET`s with the query in the URL, the credentials in an `Authorization` header
//! (never in the URL, never in a message) and the extra headers the caller gives (a tenant's
//! `X-Scope-OrgID` for Mimir or Cortex). A 5xx or 429 answer, a timeout and a connection closed
//! before the answer are tried again after a pause that doubles each time; a 4xx is final and
//! carries Prometheus' own `errorType` and `error`. Bodies are read up to [`MAX_BODY_BYTES`] and
//! parsed straight into what the caller keeps (a range query's points as `(ms, f64)` pairs,
//! never a `serde_json::Value`). Proxies follow the REST client's rules (`rest::proxy_for`):
//! never for a loopback host.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use crate::rest::SchemeProblem;

use serde::de::{Deserializer, SeqAccess, Visitor};
use serde::Deserialize;

/// Largest answer read: a range query is split so that its answers stay far below this.
pub const MAX_BODY_BYTES: u64 = 256 * 1024 * 1024;

/// The first pause before a request is tried again; each further pause doubles, up to
/// [`MAX_RETRY_WAIT`].
pub const FIRST_RETRY_WAIT: Duration = Duration::from_millis(500);
pub const MAX_RETRY_WAIT: Duration = Duration::from_secs(10);
/// The longest pause a server's `Retry-After` gets: longer asks are cut to this (a fetch waits,
/// but not for an hour).
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(120);

/// A credential read from a file or the environment. Its `Debug` does not show it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// The secret's text: one line, trailing line break and blanks removed. Empty text, or a
    /// line break or control character inside, is refused (it would be no credential, or split
    /// the header it goes into).
    pub fn new(text: &str) -> Result<Secret, &'static str> {
        let t = text.trim_end_matches(['\n', '\r', ' ', '\t']);
        let t = t.trim_start_matches([' ', '\t']);
        if t.is_empty() {
            return Err("it is empty");
        }
        if t.chars().any(char::is_control) {
            return Err("it has a line break or another control character inside");
        }
        Ok(Secret(t.to_string()))
    }

    fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(..)")
    }
}

/// How requests authenticate, as Prometheus' own `scrape_config` and most gateways in front of
/// Prometheus, Thanos, Mimir or VictoriaMetrics take it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Auth {
    #[default]
    None,
    /// `Authorization: Bearer <token>`.
    Bearer(Secret),
    /// `Authorization: Basic base64(user:password)`.
    Basic { user: String, password: Secret },
}

impl Auth {
    fn header(&self) -> Option<String> {
        use base64::Engine;
        match self {
            Auth::None => None,
            Auth::Bearer(t) => Some(format!("Bearer {}", t.expose())),
            Auth::Basic { user, password } => Some(format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD
                    .encode(format!("{user}:{}", password.expose()))
            )),
        }
    }

    /// For messages: what was sent, without the secret.
    pub fn describe(&self) -> Option<String> {
        match self {
            Auth::None => None,
            Auth::Bearer(_) => Some("a bearer token".into()),
            Auth::Basic { user, .. } => Some(format!("basic auth as {user}")),
        }
    }
}

/// An extra request header, checked: a token name (RFC 9110) other than `Authorization`, and a
/// value without control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub name: String,
    pub value: String,
}

/// Why a `Name: value` header is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeaderError {
    NoColon,
    BadName,
    BadValue,
    /// `Authorization` or `Proxy-Authorization`: credentials come from files or the environment.
    Credential,
}

impl Header {
    pub fn parse(text: &str) -> Result<Header, HeaderError> {
        let (name, value) = text.split_once(':').ok_or(HeaderError::NoColon)?;
        let name = name.trim();
        let token = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
        if name.is_empty() || !name.bytes().all(token) {
            return Err(HeaderError::BadName);
        }
        if name.eq_ignore_ascii_case("authorization")
            || name.eq_ignore_ascii_case("proxy-authorization")
        {
            return Err(HeaderError::Credential);
        }
        let value = value.trim();
        if value.chars().any(char::is_control) {
            return Err(HeaderError::BadValue);
        }
        Ok(Header {
            name: name.to_string(),
            value: value.to_string(),
        })
    }
}

/// A failed request to Prometheus. `url` is the endpoint without its query.
#[derive(Debug, Clone, PartialEq)]
pub enum PromError {
    /// The base URL cannot be used.
    BadUrl { url: String, reason: String },
    /// No TCP connection, or it broke.
    Connect { url: String, reason: String },
    /// No answer within the timeout.
    Timeout { url: String, timeout: Duration },
    /// A status other than 2xx (after the retries, for a 5xx); `error_type` and `error` are
    /// Prometheus' own, else the head of the body.
    Status {
        url: String,
        status: u16,
        error_type: Option<String>,
        error: Option<String>,
        /// Sent with credentials (401 and 403 say so).
        auth: Option<String>,
        /// The pause the server asked for (`Retry-After` in seconds, on a 429 or 503).
        retry_after: Option<Duration>,
    },
    /// A 3xx: no redirect is followed (credentials must not go elsewhere).
    Redirect {
        url: String,
        status: u16,
        location: Option<String>,
    },
    /// The answer is larger than [`MAX_BODY_BYTES`].
    TooLarge { url: String, limit: u64 },
    /// The answer is not what Prometheus' API answers.
    Parse { url: String, reason: String },
}

impl PromError {
    /// Whether the same request may succeed if sent again: 5xx, 429, timeouts, connections
    /// closed before the answer. Not a refused connection (nothing listens there).
    pub fn is_transient(&self) -> bool {
        match self {
            PromError::Status { status, .. } => *status >= 500 || *status == 429,
            PromError::Timeout { .. } => true,
            PromError::Connect { reason, .. } => reason.starts_with(CLOSED),
            _ => false,
        }
    }
}

const CLOSED: &str = "the connection was closed before an answer";

impl fmt::Display for PromError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PromError::BadUrl { url, reason } => write!(f, "`{url}`: {reason}"),
            PromError::Connect { url, reason } => write!(f, "GET {url}: cannot connect: {reason}"),
            PromError::Timeout { url, timeout } => write!(
                f,
                "GET {url}: no answer within {}",
                crate::value::DurationMs(timeout.as_millis() as i64)
            ),
            PromError::Status {
                url,
                status,
                error_type,
                error,
                auth,
                ..
            } => {
                write!(f, "GET {url}: {status}")?;
                match (error_type, error) {
                    (Some(t), Some(e)) => write!(f, ": {t}: {e}")?,
                    (None, Some(e)) => write!(f, ": {e}")?,
                    _ => {}
                }
                match (status, auth) {
                    (401 | 403, Some(a)) => write!(f, " (sent with {a})"),
                    (401 | 403, None) => write!(f, " (sent without credentials)"),
                    _ => Ok(()),
                }
            }
            PromError::Redirect {
                url,
                status,
                location,
            } => {
                write!(f, "GET {url}: {status} redirect")?;
                if let Some(to) = location {
                    write!(f, " to `{to}`")?;
                }
                write!(f, ", which is not followed: give the server's own URL")
            }
            PromError::TooLarge { url, limit } => write!(
                f,
                "GET {url}: the answer is larger than {} MiB",
                limit / (1024 * 1024)
            ),
            PromError::Parse { url, reason } => write!(f, "GET {url}: unexpected answer: {reason}"),
        }
    }
}

impl std::error::Error for PromError {}

/// A request is being tried again.
#[derive(Debug, Clone, PartialEq)]
pub struct Retrying<'a> {
    pub error: &'a PromError,
    pub wait: Duration,
    /// The attempt about to be made (2 for the first retry) and how many there are at most.
    pub attempt: u32,
    pub attempts: u32,
}

/// One series of a range query: its labels and its points (epoch ms, value; `NaN` as sent).
#[derive(Debug, Clone, PartialEq)]
pub struct RangeSeries {
    pub labels: BTreeMap<String, String>,
    pub points: Vec<(i64, f64)>,
}

/// How the client is set up.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// Each request, whole.
    pub timeout: Duration,
    pub auth: Auth,
    pub headers: Vec<Header>,
    /// The CAs an https server's certificate must chain to, instead of the WebPKI roots.
    pub ca: Option<crate::rest::CaCerts>,
    /// Tries after the first, for transient failures.
    pub retries: u32,
}

/// A client for one Prometheus-compatible server (Prometheus, Thanos Query, Mimir, Cortex,
/// VictoriaMetrics): `base` is what precedes `/api/v1/`, e.g. `http://127.0.0.1:9090` or
/// `https://mimir.example/prometheus`.
#[derive(Clone)]
pub struct Client {
    base: String,
    agent: ureq::Agent,
    options: ClientOptions,
    /// The pause before the first retry (tests make it short).
    first_wait: Duration,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base", &self.base)
            .field("options", &self.options)
            .finish()
    }
}

impl Client {
    pub fn new(base: &str, options: ClientOptions) -> Result<Client, PromError> {
        let base = crate::rest::normalize_base(base);
        let bad = |reason: &str| PromError::BadUrl {
            url: base.clone(),
            reason: reason.to_string(),
        };
        let (scheme, rest) = crate::rest::split_scheme(&base).map_err(|p| match p {
            SchemeProblem::HttpsNeedsFeature => bad(
                "https:// needs planscale built with `--features https` (rustls, the same \
                 feature as for Flink REST)",
            ),
            SchemeProblem::NotHttp => bad(
                "expected the http:// URL of a Prometheus-compatible server, e.g. \
                 http://127.0.0.1:9090",
            ),
        })?;
        let authority = rest.split('/').next().unwrap_or("");
        if authority.contains('@') {
            return Err(bad(
                "credentials do not go in the URL (it is printed in messages): use a token or \
                 password file, or the environment",
            ));
        }
        let host = crate::rest::checked_host(&base, rest).map_err(bad)?;
        let config = crate::rest::agent_config(scheme, host, options.timeout, options.ca.as_ref())
            .map_err(|(url, reason)| PromError::BadUrl { url, reason })?;
        Ok(Client {
            base,
            agent: config.into(),
            options,
            first_wait: FIRST_RETRY_WAIT,
        })
    }

    /// The same client with another first pause before a retry.
    pub fn with_first_retry_wait(mut self, wait: Duration) -> Client {
        self.first_wait = wait;
        self
    }

    /// The base URL without a trailing slash.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// `GET base + path ? params`, tried again on transient failures; the 2xx body.
    fn get(
        &self,
        path: &str,
        params: &[(&str, &str)],
        on_retry: &mut dyn FnMut(&Retrying),
    ) -> Result<Vec<u8>, PromError> {
        let url = format!("{}{path}", self.base);
        let query: Vec<String> = params
            .iter()
            .map(|(k, v)| format!("{}={}", crate::rest::encode(k), crate::rest::encode(v)))
            .collect();
        let target = format!("{url}?{}", query.join("&"));
        let attempts = self.options.retries.saturating_add(1);
        let mut wait = self.first_wait;
        let mut attempt = 1;
        loop {
            match self.once(&url, &target) {
                Err(e) if e.is_transient() && attempt < attempts => {
                    attempt += 1;
                    // A server that says how long to wait is believed (up to a limit); the
                    // backoff goes on from there.
                    if let PromError::Status {
                        retry_after: Some(asked),
                        ..
                    } = &e
                    {
                        wait = wait.max((*asked).min(MAX_RETRY_AFTER));
                    }
                    on_retry(&Retrying {
                        error: &e,
                        wait,
                        attempt,
                        attempts,
                    });
                    std::thread::sleep(wait);
                    wait = (wait * 2).min(MAX_RETRY_WAIT);
                }
                other => return other,
            }
        }
    }

    fn once(&self, url: &str, target: &str) -> Result<Vec<u8>, PromError> {
        let mut request = self.agent.get(target).header("Accept", "application/json");
        if let Some(a) = self.options.auth.header() {
            request = request.header("Authorization", a);
        }
        for h in &self.options.headers {
            request = request.header(h.name.as_str(), h.value.as_str());
        }
        let mut response = request.call().map_err(|e| self.map_err(url, e))?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| retry_after(v.as_bytes()));
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
            .read_to_vec()
            .map_err(|e| self.map_err(url, e))?;
        if (200..300).contains(&status) {
            return Ok(body);
        }
        if (300..400).contains(&status) {
            return Err(PromError::Redirect {
                url: url.to_string(),
                status,
                location,
            });
        }
        let (error_type, error) = api_error(&body);
        Err(PromError::Status {
            url: url.to_string(),
            status,
            error_type,
            error,
            auth: self.options.auth.describe(),
            retry_after,
        })
    }

    fn map_err(&self, url: &str, e: ureq::Error) -> PromError {
        let mut e = self.map_err_plain(url, e);
        if let PromError::Connect { reason, .. } = &mut e {
            crate::rest::hint_private_ca(reason, self.options.ca.is_some());
        }
        e
    }

    fn map_err_plain(&self, url: &str, e: ureq::Error) -> PromError {
        let url = url.to_string();
        let timeout = self.options.timeout;
        match e {
            ureq::Error::Timeout(_) => PromError::Timeout { url, timeout },
            ureq::Error::Io(io) => match io.kind() {
                std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => {
                    PromError::Timeout { url, timeout }
                }
                std::io::ErrorKind::ConnectionRefused => PromError::Connect {
                    url,
                    reason: "connection refused (is Prometheus listening at this address?)".into(),
                },
                std::io::ErrorKind::ConnectionReset
                | std::io::ErrorKind::ConnectionAborted
                | std::io::ErrorKind::UnexpectedEof
                | std::io::ErrorKind::BrokenPipe => PromError::Connect {
                    url,
                    reason: format!("{CLOSED} (the server may be restarting)"),
                },
                _ => PromError::Connect {
                    url,
                    reason: crate::io::describe_io(&io),
                },
            },
            ureq::Error::BodyExceedsLimit(limit) => PromError::TooLarge { url, limit },
            ureq::Error::HostNotFound => PromError::Connect {
                url,
                reason: "host not found".into(),
            },
            ureq::Error::ConnectionFailed => PromError::Connect {
                url,
                reason: "connection failed".into(),
            },
            other => PromError::Connect {
                url,
                reason: other.to_string(),
            },
        }
    }

    /// `GET /api/v1/series`: the label sets of the series any of `matchers` selects in
    /// `[start_ms, end_ms]`.
    pub fn series(
        &self,
        matchers: &[String],
        start_ms: i64,
        end_ms: i64,
        on_retry: &mut dyn FnMut(&Retrying),
    ) -> Result<Vec<BTreeMap<String, String>>, PromError> {
        let (start, end) = (seconds(start_ms), seconds(end_ms));
        let mut params: Vec<(&str, &str)> =
            matchers.iter().map(|m| ("match[]", m.as_str())).collect();
        params.push(("start", &start));
        params.push(("end", &end));
        let body = self.get("/api/v1/series", &params, on_retry)?;
        let url = format!("{}/api/v1/series", self.base);
        let answer: Vec<BTreeMap<Cow<str>, Cow<str>>> = parse(&url, &body)?;
        Ok(answer
            .into_iter()
            .map(|m| {
                m.into_iter()
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect()
            })
            .collect())
    }

    /// `GET /api/v1/query_range`: `query` at every `step_ms` from `start_ms` to `end_ms`.
    pub fn query_range(
        &self,
        query: &str,
        start_ms: i64,
        end_ms: i64,
        step_ms: i64,
        on_retry: &mut dyn FnMut(&Retrying),
    ) -> Result<Vec<RangeSeries>, PromError> {
        let (start, end, step) = (seconds(start_ms), seconds(end_ms), seconds(step_ms));
        let params = [
            ("query", query),
            ("start", start.as_str()),
            ("end", end.as_str()),
            ("step", step.as_str()),
        ];
        let body = self.get("/api/v1/query_range", &params, on_retry)?;
        let url = format!("{}/api/v1/query_range", self.base);
        let data: Matrix = parse(&url, &body)?;
        if data.result_type != "matrix" {
            return Err(PromError::Parse {
                url,
                reason: format!("resultType `{}`, not `matrix`", data.result_type),
            });
        }
        Ok(data
            .result
            .into_iter()
            .map(|s| RangeSeries {
                labels: s
                    .metric
                    .into_iter()
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect(),
                points: s.values.into_iter().map(|p| (p.0, p.1)).collect(),
            })
            .collect())
    }
}

/// Epoch ms as the API's seconds with a fraction (`1700000000.5`).
fn seconds(ms: i64) -> String {
    let s = ms.div_euclid(1000);
    match ms.rem_euclid(1000) {
        0 => s.to_string(),
        frac => format!("{s}.{frac:03}"),
    }
}

/// Prometheus' answer envelope.
#[derive(Deserialize)]
struct Envelope<'a, T> {
    #[serde(borrow)]
    status: Cow<'a, str>,
    data: Option<T>,
    #[serde(rename = "errorType", borrow, default)]
    error_type: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    error: Option<Cow<'a, str>>,
}

fn parse<'de, T: Deserialize<'de>>(url: &str, body: &'de [u8]) -> Result<T, PromError> {
    let envelope: Envelope<'de, T> =
        serde_json::from_slice(body).map_err(|e| PromError::Parse {
            url: url.to_string(),
            reason: crate::rest::not_json(body, &e),
        })?;
    match (envelope.status.as_ref(), envelope.data) {
        ("success", Some(data)) => Ok(data),
        (status, _) => Err(PromError::Parse {
            url: url.to_string(),
            reason: format!(
                "status `{status}`{}",
                envelope
                    .error
                    .map(|e| format!(
                        ": {}{e}",
                        envelope
                            .error_type
                            .map(|t| format!("{t}: "))
                            .unwrap_or_default()
                    ))
                    .unwrap_or_default()
            ),
        }),
    }
}

/// `Retry-After` as delay-seconds (RFC 9110 §10.2.3); an HTTP date is not read (the backoff
/// applies then).
fn retry_after(value: &[u8]) -> Option<Duration> {
    let text = std::str::from_utf8(value).ok()?.trim();
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(
        text.parse::<u64>()
            .map_or(MAX_RETRY_AFTER, Duration::from_secs),
    )
}

/// `errorType` and `error` of an error answer, else the head of the body as the error.
fn api_error(body: &[u8]) -> (Option<String>, Option<String>) {
    #[derive(Deserialize)]
    struct ErrorBody<'a> {
        #[serde(rename = "errorType", borrow, default)]
        error_type: Option<Cow<'a, str>>,
        #[serde(borrow, default)]
        error: Option<Cow<'a, str>>,
    }
    let short = |s: &str| -> String { s.trim().chars().take(300).collect() };
    match serde_json::from_slice::<ErrorBody>(body) {
        Ok(e) if e.error.is_some() => (e.error_type.map(|t| short(&t)), e.error.map(|e| short(&e))),
        _ => {
            let text = String::from_utf8_lossy(&body[..body.len().min(1200)]);
            let text = short(&text);
            (None, (!text.is_empty()).then_some(text))
        }
    }
}

#[derive(Deserialize)]
struct Matrix<'a> {
    #[serde(rename = "resultType", borrow)]
    result_type: Cow<'a, str>,
    #[serde(borrow)]
    result: Vec<RawSeries<'a>>,
}

#[derive(Deserialize)]
struct RawSeries<'a> {
    #[serde(borrow)]
    metric: BTreeMap<Cow<'a, str>, Cow<'a, str>>,
    #[serde(default)]
    values: Vec<Point>,
}

/// `[1700000000.123, "0.5"]`: epoch seconds and the value as text, read as (ms, f64).
struct Point(i64, f64);

impl<'de> Deserialize<'de> for Point {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Point, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Point;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a [timestamp, \"value\"] pair")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Point, A::Error> {
                use serde::de::Error;
                let t: f64 = seq
                    .next_element()?
                    .ok_or_else(|| A::Error::invalid_length(0, &self))?;
                let v: Cow<'de, str> = seq
                    .next_element()?
                    .ok_or_else(|| A::Error::invalid_length(1, &self))?;
                if seq.next_element::<serde::de::IgnoredAny>()?.is_some() {
                    return Err(A::Error::invalid_length(3, &self));
                }
                if !t.is_finite() || t.abs() > 9e12 {
                    return Err(A::Error::custom(format!("timestamp {t} is out of range")));
                }
                let x = parse_value(&v)
                    .ok_or_else(|| A::Error::custom(format!("`{v}` is not a sample value")))?;
                Ok(Point((t * 1000.0).round() as i64, x))
            }
        }
        d.deserialize_seq(V)
    }
}

/// A sample value as Prometheus formats it (Go's `strconv.FormatFloat`): decimals, exponents,
/// `NaN`, `+Inf`, `-Inf`.
fn parse_value(s: &str) -> Option<f64> {
    match s {
        "NaN" => Some(f64::NAN),
        "+Inf" | "Inf" => Some(f64::INFINITY),
        "-Inf" => Some(f64::NEG_INFINITY),
        _ => {
            let b = s.as_bytes();
            let numeric = !b.is_empty()
                && b.iter()
                    .all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'-' | b'+' | b'e' | b'E'));
            if numeric {
                s.parse().ok()
            } else {
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_one_line_and_never_shown() {
        let s = Secret::new("  t0k3n \n").unwrap();
        assert_eq!(s.expose(), "t0k3n");
        assert_eq!(format!("{s:?}"), "Secret(..)");
        assert!(Secret::new("\n").is_err());
        assert!(Secret::new("a\nb").is_err());
        let auth = Auth::Basic {
            user: "grafana".into(),
            password: Secret::new("pw").unwrap(),
        };
        assert!(!format!("{auth:?}").contains("pw"));
        // base64("grafana:pw")
        assert_eq!(auth.header().unwrap(), "Basic Z3JhZmFuYTpwdw==");
    }

    #[test]
    fn headers_are_checked() {
        assert_eq!(
            Header::parse("X-Scope-OrgID: tenant-1").unwrap(),
            Header {
                name: "X-Scope-OrgID".into(),
                value: "tenant-1".into()
            }
        );
        assert_eq!(Header::parse("X-Scope-OrgID"), Err(HeaderError::NoColon));
        assert_eq!(Header::parse("Bad Name: x"), Err(HeaderError::BadName));
        assert_eq!(Header::parse("X: a\rb"), Err(HeaderError::BadValue));
        assert_eq!(
            Header::parse("authorization: Bearer x"),
            Err(HeaderError::Credential)
        );
    }

    #[test]
    fn urls_and_times() {
        let o = ClientOptions {
            timeout: Duration::from_secs(1),
            auth: Auth::None,
            headers: vec![],
            ca: None,
            retries: 0,
        };
        assert_eq!(
            Client::new("127.0.0.1:9090/", o.clone()).unwrap().base(),
            "http://127.0.0.1:9090"
        );
        let e = Client::new("http://u:p@127.0.0.1:9090", o.clone()).unwrap_err();
        assert!(
            e.to_string().contains("credentials do not go in the URL"),
            "{e}"
        );
        assert!(!e.to_string().contains("u:p") || e.to_string().contains("`http://u:p@"));
        assert!(Client::new("ftp://x", o.clone()).is_err());
        assert!(Client::new("http://x/?q", o).is_err());
        assert_eq!(seconds(1_700_000_000_000), "1700000000");
        assert_eq!(seconds(1_700_000_000_050), "1700000000.050");
    }

    #[test]
    fn range_answers_are_read_into_points() {
        let body = br#"{"status":"success","data":{"resultType":"matrix","result":[
            {"metric":{"__name__":"m","task_id":"a\"b"},"values":[[1700000000,"1.5"],[1700000015.5,"NaN"],[1700000030,"+Inf"],[1700000045,"1e+06"]]}]}}"#;
        let m: Matrix = parse("u", body).unwrap();
        assert_eq!(m.result.len(), 1);
        let p: Vec<(i64, f64)> = m.result[0].values.iter().map(|p| (p.0, p.1)).collect();
        assert_eq!(p[0], (1_700_000_000_000, 1.5));
        assert_eq!(p[1].0, 1_700_000_015_500);
        assert!(p[1].1.is_nan());
        assert_eq!(p[2].1, f64::INFINITY);
        assert_eq!(p[3].1, 1e6);
        assert_eq!(
            m.result[0].metric.get("task_id").map(|v| v.as_ref()),
            Some("a\"b")
        );
        let bad = br#"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,"x"]]}]}}"#;
        assert!(parse::<Matrix>("u", bad).is_err());
        let err =
            br#"{"status":"error","errorType":"bad_data","error":"exceeded maximum resolution"}"#;
        assert_eq!(
            api_error(err),
            (
                Some("bad_data".into()),
                Some("exceeded maximum resolution".into())
            )
        );
        assert_eq!(
            api_error(b"<html>oops</html>").1.as_deref(),
            Some("<html>oops</html>")
        );
    }

    #[test]
    fn retry_after_is_read_in_seconds_only() {
        assert_eq!(retry_after(b"7"), Some(Duration::from_secs(7)));
        assert_eq!(retry_after(b" 0 "), Some(Duration::ZERO));
        assert_eq!(
            retry_after(b"99999999999999999999999"),
            Some(MAX_RETRY_AFTER)
        );
        assert_eq!(retry_after(b"Wed, 21 Oct 2015 07:28:00 GMT"), None);
        assert_eq!(retry_after(b"-1"), None);
        assert_eq!(retry_after(b""), None);
    }

    #[test]
    fn transient_failures_are_retried() {
        let status = |s| PromError::Status {
            url: "u".into(),
            status: s,
            error_type: None,
            error: None,
            auth: None,
            retry_after: None,
        };
        assert!(status(503).is_transient());
        assert!(status(429).is_transient());
        assert!(!status(400).is_transient());
        assert!(!status(401).is_transient());
        assert!(PromError::Timeout {
            url: "u".into(),
            timeout: Duration::from_secs(1)
        }
        .is_transient());
        assert!(!PromError::Connect {
            url: "u".into(),
            reason: "connection refused".into()
        }
        .is_transient());
    }
}
