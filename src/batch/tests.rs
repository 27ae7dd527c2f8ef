//! Whole-job decisions on small graphs, each mirroring a case of Flink's
//! `DefaultVertexParallelismAndInputInfosDeciderTest` / `AdaptiveBatchSchedulerTest`, and the
//! real lab job's numbers (fixtures/lab-batch).

use super::job::{Input, Vertex};
use super::*;
use crate::source::Pos;

const MIB: u64 = 1 << 20;

fn vertex(id: &str, p: u32, max: u32, write: Option<u64>, inputs: &[(&str, &str)]) -> Vertex {
    Vertex {
        id: id.into(),
        name: id.into(),
        parallelism: Some(p),
        max_parallelism: Some(max),
        status: Some("FINISHED".into()),
        inputs: inputs
            .iter()
            .map(|(from, ship)| Input {
                from: (*from).into(),
                exchange: Exchange::from_ship_strategy(ship).unwrap(),
                ship_strategy: (*ship).into(),
            })
            .collect(),
        write_bytes: write,
        read_bytes: None,
        pos: Pos::default(),
    }
}

fn job(vertices: Vec<Vertex>) -> BatchJob {
    BatchJob {
        job_id: Some("j".into()),
        name: Some("n".into()),
        state: Some("FINISHED".into()),
        job_type: Some("BATCH".into()),
        vertices,
    }
}

fn opts(min: u32, max: u32, avg: u64, source: u32) -> BatchOptions {
    BatchOptions {
        enabled: true,
        min_parallelism: min,
        max_parallelism: max,
        max_from: MaxFrom::Key,
        avg_data_volume_per_task: avg,
        default_source_parallelism: source,
        source_from_max: false,
        parallelism_default: None,
    }
}

fn parallelisms(j: &BatchJob, o: BatchOptions, scale: f64) -> Vec<Option<u32>> {
    let r = Request {
        opts: o,
        scale_volume: scale,
    };
    decide(j, &r)
        .unwrap()
        .vertices
        .iter()
        .map(|v| v.decision.parallelism())
        .collect()
}

/// The lab job of fixtures/lab-batch (Flink 2.3.0, max 8, 2560 kb per task, sources 2): the
/// numbers Flink logged and chose.
fn lab() -> BatchJob {
    job(vec![
        vertex("orders", 2, 8, Some(15_000_416), &[]),
        vertex("payments", 2, 8, Some(6_600_416), &[]),
        vertex("regions", 2, 8, Some(2_528), &[]),
        vertex(
            "join1",
            8,
            8,
            Some(8_200_208),
            &[("orders", "HASH[id]"), ("payments", "HASH[id]")],
        ),
        vertex(
            "join2",
            4,
            8,
            Some(8_200_832),
            &[("join1", "RESCALE"), ("regions", "BROADCAST")],
        ),
        vertex("agg", 4, 8, Some(0), &[("join2", "HASH[bucket]")]),
    ])
}

#[test]
fn the_lab_job_as_flink_decided_it() {
    let p = parallelisms(&lab(), opts(1, 8, 2560 << 10, 2), 1.0);
    assert_eq!(
        p,
        [2, 2, 2, 8, 4, 4].map(Some).to_vec(),
        "sources at the default, the join at max (ceil(21.6 MB / 2.5 MiB) = 9 > 8), the \
         broadcast join and the aggregate at 2 of 8 slices per task"
    );
    let r = Request {
        opts: opts(1, 8, 2560 << 10, 2),
        scale_volume: 1.0,
    };
    let o = decide(&lab(), &r).unwrap();
    let Decision::Decided {
        basis: Basis::Volume {
            by_volume, packing, ..
        },
        ..
    } = &o.vertices[3].decision
    else {
        panic!("{:?}", o.vertices[3].decision)
    };
    assert_eq!(
        (by_volume.raw, by_volume.bound),
        (Some(9), Some(rule::Side::Max))
    );
    assert_eq!(packing.map(|(g, _)| g), Some(Group::AllToAll));
}

#[test]
fn tomorrow_at_half_the_volume() {
    // Half the bytes: ceil(10.8 MB / 2.5 MiB) = 5 for the join, but its 8 slices of 1.35 MB
    // fit only one per 2.5 MiB task: still 8. The later vertices fit 5 slices a task: 2.
    let p = parallelisms(&lab(), opts(1, 8, 2560 << 10, 2), 0.5);
    assert_eq!(p, [2, 2, 2, 8, 2, 2].map(Some).to_vec());
}

/// testDecideParallelismWithMaxSubpartitionLimitation's sibling: min parallelism raises a small
/// input, a vertex max lowers both bounds.
#[test]
fn bounds_and_the_vertex_max() {
    let j = job(vec![
        vertex("s", 4, 128, Some(MIB), &[]),
        vertex("a", 3, 128, Some(0), &[("s", "HASH[k]")]),
        vertex("b", 2, 2, Some(0), &[("s", "REBALANCE")]),
    ]);
    // s feeds two edges: its write-bytes cannot be split, and the consumers have no read-bytes.
    let p = parallelisms(&j, opts(3, 100, 16 * MIB, 4), 1.0);
    assert_eq!(p, vec![Some(4), None, None]);
    let mut j = j;
    j.vertices[1].read_bytes = Some(MIB);
    j.vertices[2].read_bytes = Some(MIB);
    let o = decide(
        &j,
        &Request {
            opts: opts(3, 100, 16 * MIB, 4),
            scale_volume: 1.0,
        },
    )
    .unwrap();
    // a: 1 MiB, min 3; 128 slices of 8 KiB all fit one range, adjusted to 3.
    assert_eq!(o.vertices[1].decision.parallelism(), Some(3));
    assert_eq!(o.vertices[1].inputs[0].bytes_from, BytesFrom::ConsumerRead);
    // b: its max parallelism 2 is below min 3: [2, 2].
    assert_eq!(o.vertices[2].decision.parallelism(), Some(2));
}

/// testAllEdgesAllBroadcast: a vertex reading only broadcast inputs gets the minimum.
#[test]
fn only_broadcast_inputs() {
    let j = job(vec![
        vertex("s", 4, 128, Some(100 * MIB), &[]),
        vertex("a", 2, 128, Some(0), &[("s", "BROADCAST")]),
    ]);
    assert_eq!(parallelisms(&j, opts(2, 100, MIB, 4), 1.0)[1], Some(2));
}

/// Forward groups share one parallelism (AdaptiveBatchSchedulerTest#testParallelismOfForwardGroupLargerThanGlobalMaxParallelism's premise).
#[test]
fn forward_inputs_follow_the_producer() {
    let j = job(vec![
        vertex("s", 4, 128, Some(100 * MIB), &[]),
        vertex("a", 7, 128, Some(10 * MIB), &[("s", "HASH[k]")]),
        vertex("b", 7, 128, Some(0), &[("a", "FORWARD")]),
    ]);
    let p = parallelisms(&j, opts(1, 100, 16 * MIB, 4), 1.0);
    assert_eq!(p[2], p[1]);
}

#[test]
fn gaps_propagate_only_where_needed() {
    let j = job(vec![
        vertex("s", 4, 128, None, &[]),
        vertex("a", 7, 128, Some(10 * MIB), &[("s", "HASH[k]")]),
        vertex("b", 7, 128, Some(0), &[("a", "FORWARD")]),
    ]);
    let o = decide(
        &j,
        &Request {
            opts: opts(1, 100, 16 * MIB, 4),
            scale_volume: 1.0,
        },
    )
    .unwrap();
    assert_eq!(
        o.vertices[1].decision,
        Decision::Undecided(Gap::NoBytes {
            producer: "s".into()
        })
    );
    assert_eq!(
        o.vertices[2].decision,
        Decision::Undecided(Gap::UndecidedProducer {
            producer: "a".into()
        })
    );
}

#[test]
fn sources_below_or_above_their_bound_are_not_guessed() {
    let j = job(vec![
        vertex("inferred", 3, 128, Some(1), &[]),
        vertex("set", 9, 128, Some(1), &[]),
    ]);
    let o = decide(
        &j,
        &Request {
            opts: opts(1, 100, 16 * MIB, 4),
            scale_volume: 1.0,
        },
    )
    .unwrap();
    assert_eq!(
        o.vertices[0].decision,
        Decision::Undecided(Gap::SourceBelowBound { flink: 3, upper: 4 })
    );
    assert_eq!(
        o.vertices[1].decision,
        Decision::Undecided(Gap::SetByJob { flink: 9 })
    );
}

#[test]
fn auto_parallelism_off_keeps_parallelism_default() {
    let mut o = opts(1, 100, 16 * MIB, 4);
    o.enabled = false;
    o.parallelism_default = Some(6);
    assert_eq!(parallelisms(&lab(), o, 1.0), vec![Some(6); 6]);
}

#[test]
fn a_sweep_decides_once_per_volume() {
    let r = Request {
        opts: opts(1, 8, 2560 << 10, 2),
        scale_volume: 1.0,
    };
    let rows = sweep(&lab(), &r, &[MIB, 2560 << 10, 64 * MIB]).unwrap();
    assert_eq!(rows[1].parallelism[3..], [Some(8), Some(4), Some(4)]);
    assert_eq!(rows[2].parallelism[3..], [Some(1), Some(1), Some(1)]);
}

/// The lab job's second run (fixtures/lab-batch/join_agg_min3: min 3, 16 mb per task): each
/// vertex packs into one or two tasks and is moved to 3 (adjustToClosestLegalParallelism); the
/// broadcast join's 3 producers write ceil(8 / 3) = 3 subpartitions each, 9 slices.
#[test]
fn the_lab_job_at_min_parallelism_3() {
    let p = parallelisms(&lab(), opts(3, 8, 16 * MIB, 2), 1.0);
    assert_eq!(p, [2, 2, 2, 3, 3, 3].map(Some).to_vec());
    let r = Request {
        opts: opts(3, 8, 16 * MIB, 2),
        scale_volume: 1.0,
    };
    let o = decide(&lab(), &r).unwrap();
    let Decision::Decided {
        basis:
            Basis::Volume {
                packing: Some((Group::Pointwise, pk)),
                ..
            },
        ..
    } = &o.vertices[4].decision
    else {
        panic!("{:?}", o.vertices[4].decision)
    };
    assert_eq!((pk.slices, pk.ranges), (9, 1));
    assert_eq!(
        pk.result,
        rule::PackResult::Adjusted {
            parallelism: 3,
            per_range: 4
        }
    );
}

#[test]
fn notes_on_the_settings() {
    let r = |avg: u64, max: u32| Request {
        opts: opts(1, max, avg, 2),
        scale_volume: 1.0,
    };
    // 2.5 MiB per task, max 8: the join's tasks take 2.6 MiB, not worth a note; at 1 MiB per
    // task they take 2.6 times that.
    assert_eq!(decide(&lab(), &r(2560 << 10, 8)).unwrap().notes, vec![]);
    let o = decide(&lab(), &r(MIB, 8)).unwrap();
    assert_eq!(
        o.notes[0],
        Note::OverVolume {
            vertex: "join1".into(),
            parallelism: 8,
            per_task_bytes: 21_600_832 / 8,
            wanted: 21
        }
    );
    // Max 128 (the vertices' too, as Flink gives them the global max) for a job whose largest
    // vertex needs 9 at most: each producer writes 128 subpartitions per result.
    let mut j = lab();
    for v in &mut j.vertices {
        v.max_parallelism = Some(128);
    }
    let o = decide(&j, &r(2560 << 10, 128)).unwrap();
    let p: Vec<_> = o
        .vertices
        .iter()
        .map(|v| v.decision.parallelism())
        .collect();
    assert_eq!(p[3..], [Some(9), Some(4), Some(4)]);
    assert_eq!(
        o.notes,
        vec![Note::MaxOversized {
            max: 128,
            largest: 9
        }]
    );
}

/// The self-check: a vertex Flink ran at another number than the recorded run gives is named,
/// also when the request scales the volume.
#[test]
fn a_recorded_choice_the_model_does_not_reproduce_is_named() {
    let mut j = lab();
    j.vertices[5].parallelism = Some(5);
    for scale in [1.0, 2.0] {
        let r = Request {
            opts: opts(1, 8, 2560 << 10, 2),
            scale_volume: scale,
        };
        let o = decide(&j, &r).unwrap();
        assert_eq!(
            o.warnings,
            vec![Warning::DiffersFromRecorded {
                vertex: "agg".into(),
                flink: 5,
                planscale: 4
            }],
            "scale {scale}"
        );
    }
}
