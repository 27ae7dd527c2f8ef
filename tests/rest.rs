//! The Flink REST client against recorded Flink 2.3.0 responses (`fixtures/rest/`), served by a
//! fake server on 127.0.0.1.

#[path = "../fixtures/rest/fake_server.rs"]
#[allow(unreachable_pub)]
mod fake_server;

use std::time::Duration;

use fake_server::{
    closed_port, fixture, flink, Behaviour, FakeFlink, Reply, AGG, JOB, SOURCE, UDF,
};
use planscale::rest::{types, Bounds, Client, RestError};

fn client(server: &FakeFlink) -> Client {
    Client::new(&server.url, Duration::from_secs(5)).unwrap()
}

#[test]
fn job_details_of_a_flink_2_3_job() {
    let server = FakeFlink::start(flink(Behaviour::default()));
    let d = client(&server).job_details(JOB).unwrap();
    assert_eq!(d.id, JOB);
    assert_eq!(d.name, "udf_bottleneck");
    assert_eq!(d.state, "RUNNING");
    assert_eq!(d.scheduler_type.as_deref(), Some("Adaptive"));
    let v: Vec<(&str, u32, Option<u32>, &str)> = d
        .vertices
        .iter()
        .map(|v| {
            (
                v.id.as_str(),
                v.parallelism,
                v.max_parallelism,
                v.status.as_str(),
            )
        })
        .collect();
    assert_eq!(
        v,
        vec![
            (SOURCE, 1, Some(128), "RUNNING"),
            (UDF, 2, Some(128), "RUNNING"),
            (AGG, 2, Some(128), "RUNNING"),
        ]
    );
    assert_eq!(d.vertices[1].name, "PythonCalc[8] -> Calc[9]");
    assert!(d.is_source(SOURCE));
    assert!(!d.is_source(UDF));
    assert!(!d.is_terminal());
    // The whole answer is kept, "NaN" included, for the plan file.
    let raw: serde_json::Value = serde_json::from_str(&d.raw).unwrap();
    assert_eq!(
        raw["vertices"][0]["metrics"]["accumulated-busy-time"],
        "NaN"
    );
}

#[test]
fn job_plan_in_both_shapes() {
    // The recorded 2.3.0 answer: no `inputs` on the source, object optimizer_properties.
    let recorded = FakeFlink::start(flink(Behaviour::default()));
    // The typed shape (FLINK-37511): empty `inputs`, string optimizer_properties, nulls.
    let typed = FakeFlink::start(flink(Behaviour {
        plan: Some("udf_bottleneck/plan_typed.json".into()),
        ..Behaviour::default()
    }));
    let a = client(&recorded).job_plan(JOB).unwrap();
    let b = client(&typed).job_plan(JOB).unwrap();
    assert!(fixture("udf_bottleneck/plan_typed.json").contains("\"optimizer_properties\": \"{}\""));
    assert_eq!(a, b);
    assert_eq!(a.id.as_deref(), Some(JOB));
    assert_eq!(a.job_type.as_deref(), Some("STREAMING"));
    assert_eq!(a.nodes.len(), 3);
    assert_eq!(a.is_source(SOURCE), Some(true));
    assert_eq!(a.is_source(UDF), Some(false));
    assert_eq!(a.nodes[1].inputs[0].id, SOURCE);
    assert_eq!(
        a.nodes[1].inputs[0].ship_strategy.as_deref(),
        Some("REBALANCE")
    );
    assert_eq!(a.nodes[2].inputs[0].ship_strategy.as_deref(), Some("HASH"));
    assert_eq!(a.nodes[1].parallelism, Some(2));
}

#[test]
fn metric_names_and_aggregated_values_with_nan() {
    let server = FakeFlink::start(flink(Behaviour::default()));
    let c = client(&server);
    let names = c.metric_names(JOB, SOURCE).unwrap();
    assert!(names.contains(&"busyTimeMsPerSecond".to_string()));
    assert!(names.contains(&"Source__events[7].numRecordsOutPerSecond".to_string()));
    let wanted = vec![
        "busyTimeMsPerSecond".to_string(),
        "backPressuredTimeMsPerSecond".to_string(),
        "Source__events[7].numRecordsOutPerSecond".to_string(),
    ];
    let m = c
        .metrics(JOB, SOURCE, &wanted, &planscale::rest::AGGREGATIONS)
        .unwrap();
    assert_eq!(m.len(), 3);
    let busy = m.iter().find(|m| m.id == "busyTimeMsPerSecond").unwrap();
    assert!(busy.max.unwrap().is_nan(), "\"NaN\" is read as NaN");
    assert_eq!(
        busy.min, None,
        "an aggregation Flink did not send is absent"
    );
    let bp = m
        .iter()
        .find(|m| m.id == "backPressuredTimeMsPerSecond")
        .unwrap();
    assert_eq!(bp.avg, Some(999.0));
    let out = m
        .iter()
        .find(|m| m.id == "Source__events[7].numRecordsOutPerSecond")
        .unwrap();
    assert!(out.sum.unwrap() > 0.0);
    // The request asked for exactly these ids and every aggregation, names percent-encoded.
    let last = server.requests().pop().unwrap();
    assert!(last
        .target
        .contains("Source__events%5B7%5D.numRecordsOutPerSecond"));
    assert_eq!(last.query("agg").as_deref(), Some("min,max,avg,sum"));
    assert_eq!(last.query("get").unwrap().split(',').count(), 3);
}

#[test]
fn long_metric_lists_are_split_into_short_urls() {
    let server = FakeFlink::start(flink(Behaviour::default()));
    let c = client(&server);
    let mut names: Vec<String> = (0..300)
        .map(|i| format!("Some_operator_with_a_long_name[{i}].numRecordsOutPerSecond"))
        .collect();
    names.push("busyTimeMsPerSecond".into());
    let m = c.metrics(JOB, UDF, &names, &["max"]).unwrap();
    assert_eq!(m.len(), 1);
    assert_eq!(m[0].id, "busyTimeMsPerSecond");
    let requests = server.requests();
    assert!(requests.len() > 1);
    assert!(requests.iter().all(|r| r.target.len() < 4000));
}

#[test]
fn bare_nan_tokens_are_tolerated() {
    let server = FakeFlink::start(|_r: &fake_server::Request| {
        Reply::json(
            200,
            r#"[{"id":"busyTimeMsPerSecond","min":NaN,"max":-Infinity,"avg":"12.5","sum":null}]"#,
        )
    });
    let m = client(&server)
        .metrics(
            JOB,
            UDF,
            &["busyTimeMsPerSecond".into()],
            &["min", "max", "avg", "sum"],
        )
        .unwrap();
    assert!(m[0].min.unwrap().is_nan());
    assert_eq!(m[0].max, Some(f64::NEG_INFINITY));
    assert_eq!(m[0].avg, Some(12.5));
    assert_eq!(m[0].sum, None);
}

#[test]
fn resource_requirements_get_and_put() {
    let server = FakeFlink::start(flink(Behaviour::default()));
    let c = client(&server);
    let r = c.resource_requirements(JOB).unwrap();
    assert_eq!(
        r.iter().find(|(id, _)| id == UDF).unwrap().1,
        Bounds { lower: 1, upper: 2 }
    );
    let body = types::requirements_body(&[(UDF.to_string(), Bounds { lower: 1, upper: 6 })]);
    let answer = c.put_resource_requirements(JOB, &body).unwrap();
    assert_eq!((answer.status, answer.body.as_str()), (200, "{}"));
    let put = server.requests().pop().unwrap();
    assert_eq!(put.method, "PUT");
    assert_eq!(put.body, body);
    let after = c.resource_requirements(JOB).unwrap();
    assert_eq!(
        after.iter().find(|(id, _)| id == UDF).unwrap().1,
        Bounds { lower: 1, upper: 6 }
    );
}

#[test]
fn flink_errors_are_shown_without_the_stack() {
    let server = FakeFlink::start(flink(Behaviour {
        put_reply: Some((
            400,
            r#"{"errors":["Request body does not specify resource requirements."]}"#.into(),
        )),
        ..Behaviour::default()
    }));
    let c = client(&server);
    let e = c.put_resource_requirements(JOB, "{}").unwrap_err();
    assert!(matches!(e, RestError::Status { status: 400, .. }));
    assert_eq!(
        e.to_string(),
        format!(
            "PUT {}/jobs/{JOB}/resource-requirements: 400 Bad Request: Request body does not \
             specify resource requirements.",
            server.url
        )
    );
    let e = c
        .job_details("00000000000000000000000000000000")
        .unwrap_err();
    assert!(e.is_not_found());
    let text = e.to_string();
    assert!(text.contains("404 Not Found"), "{text}");
    assert!(
        text.contains("Job 00000000000000000000000000000000 not found"),
        "{text}"
    );
    assert!(
        !text.contains("\tat ") && !text.contains("AbstractExecutionGraphHandler"),
        "{text}"
    );
}

#[test]
fn connection_refused_and_timeout_are_named() {
    let port = closed_port();
    let c = Client::new(&format!("http://127.0.0.1:{port}"), Duration::from_secs(2)).unwrap();
    let e = c.job_details(JOB).unwrap_err();
    assert!(matches!(e, RestError::Connect { .. }), "{e:?}");
    assert!(e.to_string().contains("connection refused"), "{e}");

    let server = FakeFlink::start(|_r: &fake_server::Request| Reply {
        delay: Duration::from_secs(3),
        ..Reply::json(200, "{}")
    });
    let c = Client::new(&server.url, Duration::from_millis(300)).unwrap();
    let t = std::time::Instant::now();
    let e = c.job_details(JOB).unwrap_err();
    assert!(t.elapsed() < Duration::from_secs(2));
    assert!(matches!(e, RestError::Timeout { .. }), "{e:?}");
    assert!(e.to_string().contains("no answer within 300 ms"), "{e}");
}

#[test]
fn answers_that_are_not_flink_json_are_parse_errors() {
    let server =
        FakeFlink::start(|_r: &fake_server::Request| Reply::json(200, "<html>proxy</html>"));
    let e = client(&server).job_details(JOB).unwrap_err();
    assert!(matches!(e, RestError::Parse { .. }), "{e:?}");
    assert!(e.to_string().contains("not JSON"), "{e}");
    let server = FakeFlink::start(|_r: &fake_server::Request| Reply::json(200, r#"{"jobs":3}"#));
    let e = client(&server).jobs().unwrap_err();
    assert!(e.to_string().contains("no `jobs` array"), "{e}");
}

#[test]
fn jobs_overview() {
    let server = FakeFlink::start(flink(Behaviour::default()));
    let jobs = client(&server).jobs().unwrap();
    assert_eq!(jobs.len(), 3);
    assert!(jobs.iter().any(|j| j.id == JOB
        && j.name.as_deref() == Some("udf_bottleneck")
        && j.state == "RUNNING"));
}
