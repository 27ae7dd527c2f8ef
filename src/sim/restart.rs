//! How long a simulated rescale keeps the job down, and where that number came from.
//!
//! A replay is only as believable as its restart time: the option's default (5 min) swamps a
//! short recording whose own restart took 16 s. In order of precedence: `--restart-time`, an
//! explicit `job.autoscaler.restart.time` (`-D` or `--config`), the median of the restarts the
//! recording shows (last sample at the old parallelism to records flowing again,
//! `recording::Outage`), and the option's default. The words are in `render::simulate`.

use crate::settings::Origin;

#[derive(Debug, Clone, PartialEq)]
pub enum RestartSource {
    Flag,
    /// `job.autoscaler.restart.time`, set where `Origin` says.
    Option(Origin),
    /// Measured: the median of `restarts` restarts in the recording.
    Recording {
        restarts: usize,
    },
    /// The option's default: the recording shows no restart.
    Default,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Restart {
    pub ms: i64,
    pub source: RestartSource,
}

impl Restart {
    pub fn choose(
        flag: Option<i64>,
        option: Option<(i64, Origin)>,
        measured: Option<(i64, usize)>,
        default_ms: i64,
    ) -> Restart {
        match (flag, option, measured) {
            (Some(ms), _, _) => Restart {
                ms,
                source: RestartSource::Flag,
            },
            (None, Some((ms, origin)), _) => Restart {
                ms,
                source: RestartSource::Option(origin),
            },
            (None, None, Some((ms, restarts))) => Restart {
                ms: ms.max(0),
                source: RestartSource::Recording { restarts },
            },
            (None, None, None) => Restart {
                ms: default_ms,
                source: RestartSource::Default,
            },
        }
    }

    /// A replay this short cannot show what a rescale costs: every rescale outlasts it.
    pub fn outlasts(&self, duration_ms: i64) -> bool {
        self.ms > 0 && duration_ms < self.ms
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precedence_is_flag_option_recording_default() {
        let opt = Some((60_000, Origin::Define));
        let rec = Some((16_001, 1));
        assert_eq!(
            Restart::choose(Some(1), opt.clone(), rec, 300_000).source,
            RestartSource::Flag
        );
        assert_eq!(
            Restart::choose(None, opt, rec, 300_000),
            Restart {
                ms: 60_000,
                source: RestartSource::Option(Origin::Define)
            }
        );
        assert_eq!(
            Restart::choose(None, None, rec, 300_000),
            Restart {
                ms: 16_001,
                source: RestartSource::Recording { restarts: 1 }
            }
        );
        let d = Restart::choose(None, None, None, 300_000);
        assert_eq!(d.source, RestartSource::Default);
        assert!(d.outlasts(276_000) && !d.outlasts(300_000));
    }
}
