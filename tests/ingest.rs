//! The parallel metrics reader (issue 20) against the streaming pass, as whole commands: the
//! same stdout, stderr and exit code for every lab recording and the broken fixtures, with the
//! chunk size forced small (cuts land everywhere, in quoted names too) on one and on two
//! worker threads, and from a pipe (which always streams).

mod common;

use common::{cmd, output};

/// (stdout, stderr, exit code) of `args` with the reader's environment `env`.
fn run(args: &[&str], env: &[(&str, &str)]) -> (Vec<u8>, Vec<u8>, Option<i32>) {
    let mut c = cmd();
    c.args(args);
    for (k, v) in env {
        c.env(k, v);
    }
    let out = output(&mut c);
    (out.stdout, out.stderr, out.status.code())
}

const STREAMING: &[(&str, &str)] = &[("PLANSCALE_INGEST_THREADS", "0")];

#[test]
fn chunked_commands_match_the_streaming_pass() {
    let mut files: Vec<String> = ["udf_bottleneck", "window_agg", "datastream_pipeline"]
        .iter()
        .flat_map(|j| {
            [
                format!("fixtures/metrics/{j}.long.csv"),
                format!("fixtures/metrics/{j}.wide.csv"),
            ]
        })
        .collect();
    files.extend(
        [
            "empty",
            "header_only",
            "missing_metric_column",
            "non_numeric",
        ]
        .iter()
        .map(|b| format!("fixtures/metrics/bad/{b}.csv")),
    );
    for f in &files {
        for command in ["recommend", "simulate"] {
            let args = [
                command,
                "--metrics",
                f,
                "--graph",
                "fixtures/lab/udf_bottleneck/job.json",
                "--format",
                "json",
            ];
            let want = run(&args, STREAMING);
            for chunk in ["97", "1000", "64K"] {
                for threads in ["1", "2"] {
                    let env = [
                        ("PLANSCALE_INGEST_CHUNK", chunk),
                        ("PLANSCALE_INGEST_THREADS", threads),
                    ];
                    assert!(
                        run(&args, &env) == want,
                        "{command} {f}: chunk {chunk}, {threads} threads"
                    );
                }
            }
        }
    }
}

#[test]
fn a_bad_reader_setting_is_one_error() {
    let (_, stderr, code) = run(
        &[
            "recommend",
            "--metrics",
            "fixtures/metrics/udf_bottleneck.long.csv",
            "--graph",
            "fixtures/lab/udf_bottleneck/job.json",
        ],
        &[("PLANSCALE_INGEST_CHUNK", "lots")],
    );
    assert_eq!(code, Some(2));
    let stderr = String::from_utf8_lossy(&stderr);
    assert_eq!(
        stderr.trim_end(),
        "error: fixtures/metrics/udf_bottleneck.long.csv: PLANSCALE_INGEST_CHUNK=`lots` is not a \
         whole number (such as 2, or 8M for a size)"
    );
}

#[test]
fn a_pipe_streams_and_matches() {
    let file = "fixtures/metrics/udf_bottleneck.long.csv";
    let bytes = std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(file))
        .expect("fixture");
    for command in ["recommend", "simulate"] {
        let from_file = run(
            &[
                command,
                "--metrics",
                file,
                "--graph",
                "fixtures/lab/udf_bottleneck/job.json",
                "--format",
                "json",
            ],
            &[("PLANSCALE_INGEST_CHUNK", "500")],
        );
        let mut c = cmd();
        c.args([
            command,
            "--metrics",
            "-",
            "--graph",
            "fixtures/lab/udf_bottleneck/job.json",
            "--format",
            "json",
        ])
        .env("PLANSCALE_INGEST_CHUNK", "500")
        .write_stdin(bytes.clone());
        let out = output(&mut c);
        assert_eq!(out.status.code(), from_file.2, "{command}");
        assert!(out.stdout == from_file.0, "{command}: stdout differs");
    }
}
