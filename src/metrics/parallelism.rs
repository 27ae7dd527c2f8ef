//! Parallelism over the whole file, and the last rescale of a vertex.
//!
//! The autoscaler discards its metric history when the job restarts, and a rescale is a restart
//! (scaling.md §3.4), so `recommend` needs to know when the parallelism last changed, even when
//! that was before the evaluation window. Observations come from every row of the selected job up
//! to the window end (rows outside the window count too), in file order, which need not be time
//! order.
//!
//! Memory is bounded: per vertex, the latest observation and, per distinct parallelism value
//! (few in practice; capped at [`MAX_DISTINCT`]), the first and last time it was seen. That is
//! exact for time-ordered rows, and for unsorted rows whenever the final parallelism was not
//! also seen before the last old value (e.g. 2 → 6, or 2 → 6 → 4; not 2 → 6 → 2); in the
//! remaining case the change time comes from the window's samples when the change is inside the
//! window, and is otherwise reported as unknown ([`Rescale::first_new_ms`] = `None`) while the
//! time the old parallelism was last seen stays exact.

/// Distinct parallelism values tracked per vertex; more are ignored for the unsorted fallback.
pub const MAX_DISTINCT: usize = 256;

/// The last change of a vertex's parallelism inside the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Rescale {
    /// Parallelism before the change.
    pub from: i64,
    /// Parallelism after it (the vertex's latest).
    pub to: i64,
    /// Last time the old parallelism was observed. Samples up to here belong to the old run.
    pub last_old_ms: i64,
    /// First time the new parallelism was observed after that: the change time as the file shows
    /// it. `None` only for unsorted input whose change cannot be placed exactly (module doc).
    pub first_new_ms: Option<i64>,
}

#[derive(Debug, Clone, Default)]
pub struct ParallelismTrack {
    /// Latest observation in file order, for the time-ordered tracker.
    last: Option<(i64, i64)>,
    /// The first observation, so a track of a later part of the file can be appended
    /// ([`ParallelismTrack::append`]).
    first: Option<(i64, i64)>,
    /// The last change seen by the time-ordered tracker.
    change: Option<Rescale>,
    /// False once an observation arrived earlier than the previous one.
    in_order: bool,
    /// (parallelism, first seen, last seen).
    by_value: Vec<(i64, i64, i64)>,
}

impl ParallelismTrack {
    pub fn new() -> Self {
        ParallelismTrack {
            in_order: true,
            ..Default::default()
        }
    }

    pub fn observe(&mut self, t: i64, p: i64) {
        if self.first.is_none() {
            self.first = Some((t, p));
        }
        match self.last {
            Some((lt, lp)) if t >= lt => {
                if p != lp {
                    self.change = Some(Rescale {
                        from: lp,
                        to: p,
                        last_old_ms: lt,
                        first_new_ms: Some(t),
                    });
                }
                self.last = Some((t, p));
            }
            Some(_) => self.in_order = false,
            None => self.last = Some((t, p)),
        }
        if let Some(e) = self.by_value.iter_mut().find(|e| e.0 == p) {
            e.1 = e.1.min(t);
            e.2 = e.2.max(t);
        } else if self.by_value.len() < MAX_DISTINCT {
            self.by_value.push((p, t, t));
        }
    }

    /// Continues this track with `later`, the track of the rows that follow in the file (the
    /// parallel reader's next chunk), as if its observations had been made here. Returns false,
    /// changing nothing, where that cannot be done exactly: `later` starts before this track's
    /// latest observation (its own order decisions were taken against a different predecessor),
    /// or the distinct values reach the cap.
    pub fn append(&mut self, later: &ParallelismTrack) -> bool {
        let Some(first) = later.first else {
            return true;
        };
        if self.last.is_some_and(|(lt, _)| first.0 < lt)
            || self.by_value.len() + later.by_value.len() >= MAX_DISTINCT
        {
            return false;
        }
        // `later.first` meets this track's last observation as `observe` would have met it;
        // `later`'s own changes come after that one.
        let boundary = match self.last {
            Some((lt, lp)) if lp != first.1 => Some(Rescale {
                from: lp,
                to: first.1,
                last_old_ms: lt,
                first_new_ms: Some(first.0),
            }),
            _ => None,
        };
        self.change = later.change.or(boundary).or(self.change);
        self.last = later.last;
        self.first = self.first.or(later.first);
        self.in_order &= later.in_order;
        for &(p, lo, hi) in &later.by_value {
            match self.by_value.iter_mut().find(|e| e.0 == p) {
                Some(e) => {
                    e.1 = e.1.min(lo);
                    e.2 = e.2.max(hi);
                }
                None => self.by_value.push((p, lo, hi)),
            }
        }
        true
    }

    /// The parallelism at the latest observation.
    pub fn latest(&self) -> Option<i64> {
        if self.in_order {
            return self.last.map(|(_, p)| p);
        }
        self.by_value.iter().max_by_key(|e| (e.2, e.0)).map(|e| e.0)
    }

    /// The last rescale, if the parallelism changed. `window` holds the window's (time,
    /// parallelism) samples in time order and starts at `window_start`: it places the change
    /// when unsorted rows leave it ambiguous.
    pub fn rescale(&self, window_start: i64, window: &[(i64, Option<i64>)]) -> Option<Rescale> {
        if self.in_order {
            return self.change;
        }
        let to = self.latest()?;
        let &(_, first_new, _) = self.by_value.iter().find(|e| e.0 == to)?;
        let &(from, _, last_old_ms) = self
            .by_value
            .iter()
            .filter(|e| e.0 != to)
            .max_by_key(|e| (e.2, e.0))?;
        let first_new_ms = if first_new > last_old_ms {
            Some(first_new)
        } else if last_old_ms >= window_start {
            window
                .iter()
                .find(|&&(t, p)| t > last_old_ms && p == Some(to))
                .map(|&(t, _)| t)
        } else {
            None
        };
        Some(Rescale {
            from,
            to,
            last_old_ms,
            first_new_ms,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn track(obs: &[(i64, i64)]) -> ParallelismTrack {
        let mut t = ParallelismTrack::new();
        for &(time, p) in obs {
            t.observe(time, p);
        }
        t
    }

    #[test]
    fn no_change_no_rescale() {
        let t = track(&[(0, 2), (10, 2), (20, 2)]);
        assert_eq!(t.latest(), Some(2));
        assert_eq!(t.rescale(0, &[]), None);
    }

    #[test]
    fn sorted_input_gives_the_last_change() {
        let t = track(&[(0, 2), (10, 2), (20, 6), (30, 6), (40, 2), (50, 2)]);
        assert_eq!(t.latest(), Some(2));
        assert_eq!(
            t.rescale(45, &[(50, Some(2))]),
            Some(Rescale {
                from: 6,
                to: 2,
                last_old_ms: 30,
                first_new_ms: Some(40)
            })
        );
    }

    #[test]
    fn unsorted_input_is_exact_for_a_new_value() {
        let t = track(&[(30, 6), (0, 2), (50, 6), (10, 2), (20, 6), (40, 6)]);
        assert_eq!(t.latest(), Some(6));
        assert_eq!(
            t.rescale(1000, &[]),
            Some(Rescale {
                from: 2,
                to: 6,
                last_old_ms: 10,
                first_new_ms: Some(20)
            })
        );
    }

    #[test]
    fn unsorted_return_to_an_old_value_uses_the_window() {
        // 2 → 6 → 2, rows out of order.
        let t = track(&[(40, 2), (0, 2), (20, 6), (30, 6), (50, 2)]);
        assert_eq!(t.latest(), Some(2));
        let window = [(30, Some(6)), (40, Some(2)), (50, Some(2))];
        assert_eq!(
            t.rescale(25, &window),
            Some(Rescale {
                from: 6,
                to: 2,
                last_old_ms: 30,
                first_new_ms: Some(40)
            })
        );
        // The change is before the window: its time is unknown, the old run's end is not.
        assert_eq!(
            t.rescale(45, &window[2..]),
            Some(Rescale {
                from: 6,
                to: 2,
                last_old_ms: 30,
                first_new_ms: None
            })
        );
    }
}
