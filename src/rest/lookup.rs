//! The job a command names, read before anything else is done: the id checked, the details
//! fetched, and a job the cluster does not know (404) explained by the jobs it runs.
//!
//! `record` and `apply` both start here, and nothing is written or sent before this succeeds.
//! A 404 costs one more request (`GET /jobs/overview`) so the error can list the RUNNING jobs; when
//! that one fails too, the error simply has no list.

use super::{Client, JobDetails, JobSummary, RestError};

/// Why the job named could not be read.
#[derive(Debug, Clone, PartialEq)]
pub enum StartError {
    /// Blank, or with a `/`: not something to put in a URL as a job id.
    NotAJobId(String),
    /// The cluster does not know the job (404).
    NotFound(NotFound),
    /// Any other failure of the request for the job details.
    Rest(RestError),
}

impl StartError {
    /// Ctrl-C, SIGTERM or the deadline ended the request.
    pub fn is_interrupted(&self) -> bool {
        matches!(self, StartError::Rest(e) if e.is_interrupted())
    }
}

/// A job the cluster does not know.
#[derive(Debug, Clone, PartialEq)]
pub struct NotFound {
    /// The id as named.
    pub job: String,
    /// The URL of its details (the id as named, not encoded).
    pub url: String,
    /// The jobs RUNNING on the cluster; `None` when they could not be read.
    pub running: Option<Vec<JobSummary>>,
}

/// `GET /jobs/:id` for `job`, its id checked first (no request for an id that is not one).
pub fn fetch_job(client: &Client, job: &str) -> Result<JobDetails, StartError> {
    if job.trim().is_empty() || job.contains('/') {
        return Err(StartError::NotAJobId(job.to_string()));
    }
    client.job_details(job).map_err(|e| {
        if !e.is_not_found() {
            return StartError::Rest(e);
        }
        StartError::NotFound(NotFound {
            job: job.to_string(),
            url: client.url(&format!("/jobs/{job}")),
            running: client
                .jobs()
                .ok()
                .map(|jobs| jobs.into_iter().filter(|j| j.state == "RUNNING").collect()),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rest::fake_server::{closed_port, flink, Behaviour, FakeFlink, JOB};
    use std::time::Duration;

    fn client(url: &str) -> Client {
        Client::new(url, Duration::from_secs(5)).expect("a loopback URL")
    }

    #[test]
    fn an_id_that_is_not_one_is_refused_without_a_request() {
        let server = FakeFlink::start(flink(Behaviour::default()));
        for id in ["", "  ", "a/b"] {
            assert_eq!(
                fetch_job(&client(&server.url), id),
                Err(StartError::NotAJobId(id.to_string()))
            );
        }
        assert!(server.requests().is_empty());
    }

    #[test]
    fn an_unknown_job_lists_the_running_ones() {
        let server = FakeFlink::start(flink(Behaviour::default()));
        let other = "00000000000000000000000000000000";
        let Err(StartError::NotFound(nf)) = fetch_job(&client(&server.url), other) else {
            panic!("a 404 is NotFound");
        };
        assert_eq!(nf.url, format!("{}/jobs/{other}", server.url));
        let running = nf.running.expect("the overview is served");
        assert_eq!(running.len(), 3);
        assert!(running.iter().any(|j| j.id == JOB));
        let paths: Vec<String> = server.requests().iter().map(|r| r.target.clone()).collect();
        assert_eq!(
            paths,
            vec![format!("/jobs/{other}"), "/jobs/overview".into()]
        );
        let d = fetch_job(&client(&server.url), JOB).expect("the job is served");
        assert_eq!(d.id, JOB);
    }

    #[test]
    fn a_cluster_that_does_not_answer_is_a_rest_error() {
        let url = format!("http://127.0.0.1:{}", closed_port());
        let e = fetch_job(&client(&url), JOB).unwrap_err();
        assert!(
            matches!(e, StartError::Rest(ref r) if r.is_unreachable()),
            "{e:?}"
        );
        assert!(!e.is_interrupted());
    }
}
