//! `static` (the baseline: the parallelism at the start, never changed) and `recorded` (the
//! parallelism the cluster really ran, rescales included).

use crate::sim::engine::{Observation, Policy};
use crate::sim::trace::Trace;

pub struct Static {
    name: String,
}

impl Static {
    pub fn new(name: &str) -> Self {
        Static {
            name: name.to_string(),
        }
    }
}

impl Policy for Static {
    fn name(&self) -> &str {
        &self.name
    }
    fn decide(&mut self, _obs: &Observation<'_>) -> Option<(Vec<i64>, String)> {
        None
    }
}

pub struct Recorded {
    name: String,
    start_ms: i64,
    step_ms: i64,
    /// (first step, parallelism) where it changes.
    parallelism: Vec<(usize, Vec<i64>)>,
    steps: usize,
}

impl Recorded {
    pub fn new(name: &str, trace: &Trace) -> Self {
        Recorded {
            name: name.to_string(),
            start_ms: trace.start_ms,
            step_ms: trace.step_ms,
            parallelism: trace.recorded.clone(),
            steps: trace.len(),
        }
    }
}

impl Policy for Recorded {
    fn name(&self) -> &str {
        &self.name
    }
    fn decide(&mut self, obs: &Observation<'_>) -> Option<(Vec<i64>, String)> {
        // The recorded parallelism of the next step, so the switch happens when the cluster's did.
        let i = ((obs.t_ms - self.start_ms) / self.step_ms.max(1) + 1) as usize;
        if i >= self.steps {
            return None;
        }
        let k = self.parallelism.partition_point(|(s, _)| *s <= i);
        let (_, next) = self.parallelism.get(k.checked_sub(1)?)?;
        (next.as_slice() != obs.parallelism)
            .then(|| (next.clone(), "the recorded rescale".to_string()))
    }
}
