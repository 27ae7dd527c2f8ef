
use builtin;
use str;

set edit:completion:arg-completer[planscale] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'planscale'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'planscale'= {
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand plan 'Work with resource plans (Blink PlanJSON, expert resourcePlan)'
            cand config 'Check Flink configurations, FlinkDeployments and Helm values (autoscaler, parallelism)'
            cand recommend 'Per-vertex parallelism from recorded metrics, as the Flink autoscaler would decide (`recommend batch`: as the Adaptive Batch Scheduler would size a batch job)'
            cand simulate 'Replay recorded traffic through scaling policies'
            cand tune 'Search autoscaler settings and a daily schedule that cost least on a recording''s traffic'
            cand record 'Record metrics and the job plan from a running Flink cluster'
            cand fetch 'Read a job''s metrics from Prometheus (or Thanos, Mimir, VictoriaMetrics) into a metric CSV'
            cand apply 'Apply parallelism to a running job (adaptive scheduler)'
            cand completions 'Print a shell completion script'
            cand man 'Print the roff man page'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'planscale;plan'= {
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand validate 'Check plans against the job graph and a CU budget'
            cand init 'Write the plan "acquire configuration" would write for a job graph'
            cand break-chain 'Make nodes start a new chain, editing only the bytes that record the cut'
            cand show 'Show a plan''s vertices (chains), their resources and CU'
            cand diff 'What changed between two versions of a plan'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'planscale;plan;validate'= {
            cand --graph 'The job''s graph: execution plan / stream graph, or REST job plan / job details'
            cand --max-cu 'Budget in CU (1 CU = 1 core + 4 GiB)'
            cand --max-source-chain 'Warn when more than N operators are chained to a source'
            cand --plan-format 'Read the plan as this format instead of detecting it'
            cand --graph-format 'Read --graph as this format instead of detecting it'
            cand --format 'text: a table per run; json, sarif, github: for tools and CI annotations'
            cand --deny-warnings 'Treat warnings as errors for the exit code'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'planscale;plan;init'= {
            cand --graph 'The job''s stream graph (execution plan or REST stream graph)'
            cand --graph-format 'Read --graph as this format instead of detecting it'
            cand --plan-format 'Plan format to write'
            cand -D 'Set a default (see below); repeatable'
            cand --define 'Set a default (see below); repeatable'
            cand -o 'Write the plan to FILE (atomically) instead of stdout'
            cand --output 'Write the plan to FILE (atomically) instead of stdout'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'planscale;plan;break-chain'= {
            cand --node 'Make node ID start a new chain (repeatable)'
            cand --new-group 'Expert plans: move the --node into a new slot-sharing group NAME (groups never chain)'
            cand -o 'Write the edited plan to FILE (atomically) instead of stdout'
            cand --output 'Write the edited plan to FILE (atomically) instead of stdout'
            cand --graph 'Check the edited plan against the job graph and report what still does not match'
            cand --graph-format 'Read --graph as this format instead of detecting it'
            cand --plan-format 'Read the plan as this format instead of detecting it'
            cand --format 'text: the edited plan (or diff) on stdout, a summary on stderr; json: a report on stdout'
            cand --after-sources 'Cut every chain right after each source'
            cand --in-place 'Edit PLAN in place (atomically, keeping its permissions)'
            cand --dry-run 'Print the unified diff of the change and write nothing'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'planscale;plan;show'= {
            cand --graph 'The job graph, to add the JobVertexID of each vertex where the graph knows it (refused when the graph is another job''s)'
            cand --graph-format 'Read --graph as this format instead of detecting it'
            cand --plan-format 'Read the plan as this format instead of detecting it'
            cand --format 'text: the node table and totals; json: the same as data'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'planscale;plan;diff'= {
            cand --plan-format 'Read the plan as this format instead of detecting it'
            cand --format 'text: a summary table and a unified diff of the files as written; json: the changes'
            cand --exit-code 'Exit 1 when the plans differ in meaning (a node, link or value changed), as `git diff --exit-code` does; without it the exit code is 0 for any two readable plans'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'planscale;plan;help'= {
            cand validate 'Check plans against the job graph and a CU budget'
            cand init 'Write the plan "acquire configuration" would write for a job graph'
            cand break-chain 'Make nodes start a new chain, editing only the bytes that record the cut'
            cand show 'Show a plan''s vertices (chains), their resources and CU'
            cand diff 'What changed between two versions of a plan'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'planscale;plan;help;validate'= {
        }
        &'planscale;plan;help;init'= {
        }
        &'planscale;plan;help;break-chain'= {
        }
        &'planscale;plan;help;show'= {
        }
        &'planscale;plan;help;diff'= {
        }
        &'planscale;plan;help;help'= {
        }
        &'planscale;config'= {
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand validate 'Lint autoscaler and parallelism settings of Flink configurations, FlinkDeployments, FlinkSessionJobs and the operator''s Helm values'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'planscale;config;validate'= {
            cand --graph 'The job''s graph (REST job details or job plan for JobVertexIDs; an execution plan for max parallelism only): checks vertex ids, max parallelism and quotas against it'
            cand --graph-format 'Read --graph as this format instead of detecting it'
            cand --flink-autoscaler-version 'Which release of the Flink Kubernetes operator''s autoscaler and validator to check against'
            cand --format 'text: findings and a table per document; json, sarif, github: for tools and CI annotations'
            cand --deny-warnings 'Treat warnings as errors for the exit code'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'planscale;config;help'= {
            cand validate 'Lint autoscaler and parallelism settings of Flink configurations, FlinkDeployments, FlinkSessionJobs and the operator''s Helm values'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'planscale;config;help;validate'= {
        }
        &'planscale;config;help;help'= {
        }
        &'planscale;recommend'= {
            cand --metrics 'Metric CSV (long or wide, see docs/metrics.md); - reads stdin'
            cand --prometheus 'Read the metrics from this Prometheus-compatible server instead (see planscale fetch)'
            cand --job-name 'The job by its name (the reporter''s job_name label) instead of its id'
            cand --since 'History up to now, e.g. 7d, 6h, 30min'
            cand --from 'Start of the range: epoch ms or s, or RFC 3339 with an offset'
            cand --to 'End of the range (default: now)'
            cand --metric-prefix 'What the task metrics'' names start with, for series renamed by relabelling or recording rules'
            cand --bearer-token-file 'Bearer token, read from this file (default: $PLANSCALE_PROMETHEUS_TOKEN when set)'
            cand --basic-auth-user 'Basic auth as this user, the password from --basic-auth-password-file or $PLANSCALE_PROMETHEUS_PASSWORD'
            cand --basic-auth-password-file 'The basic-auth password, read from this file'
            cand --ca-cert 'PEM file of the CA(s) an https:// server''s certificate must chain to, instead of the public roots'
            cand --header 'An extra request header, e.g. ''X-Scope-OrgID: tenant-1'' for Mimir (repeatable; not Authorization)'
            cand --prometheus-timeout 'Timeout of each request to the server'
            cand --retries 'Tries after the first for 5xx and 429 answers, timeouts and broken connections (pauses of 0.5 s, 1 s, 2 s, ...)'
            cand --step 'With --prometheus: time between samples, the range query''s step (default 1m)'
            cand --plan 'The job as a resource plan (Blink or expert): its vertices and what each subtask costs'
            cand --graph 'The job graph (REST job details or job plan give real JobVertexIDs; or an execution plan)'
            cand --plan-format 'Read --plan as this format instead of detecting it'
            cand --graph-format 'Read --graph as this format instead of detecting it'
            cand -D 'A Flink option as KEY=VALUE, repeatable; wins over --config. Values are read as Flink reads them: a duration without a unit is milliseconds'
            cand --define 'A Flink option as KEY=VALUE, repeatable; wins over --config. Values are read as Flink reads them: a duration without a unit is milliseconds'
            cand --config 'Options from a Flink config.yaml (flat or nested), a flink-conf.yaml, a FlinkDeployment or FlinkSessionJob (spec.flinkConfiguration) or the operator''s Helm values'
            cand --flink-autoscaler-version 'Which release of the Flink Kubernetes operator''s autoscaler to reproduce'
            cand --expected-pending-time 'The sources'' data pending time goal (e.g. 30s): used as the catch-up duration'
            cand --max-cu 'CU ceiling: scale-ups that would take the job above it are held back, largest first'
            cand --min-cu 'CU floor: scale-downs that would take the job below it are held back, largest first'
            cand --at 'End of the evaluated window: epoch ms or s, or RFC 3339'
            cand --window 'Length of the evaluated window (e.g. 10m)'
            cand --job 'The job to read when the CSV holds several, or to fetch (default: the graph''s own job id)'
            cand --format 'What to print: the decision (text, json) or what to apply it with'
            cand -o 'Write the result to FILE (atomically) instead of stdout'
            cand --output 'Write the result to FILE (atomically) instead of stdout'
            cand --exact 'Only the autoscaler''s own decision: no planscale estimate of demand hidden by backpressure'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand batch 'Per-vertex parallelism of a batch job, as Flink''s Adaptive Batch Scheduler derives it from the data each vertex consumes'
        }
        &'planscale;recommend;batch'= {
            cand -D 'A Flink option as KEY=VALUE, repeatable; wins over --config. Values are read as Flink reads them: a duration without a unit is milliseconds'
            cand --define 'A Flink option as KEY=VALUE, repeatable; wins over --config. Values are read as Flink reads them: a duration without a unit is milliseconds'
            cand --config 'Options from a Flink config.yaml (flat or nested), a flink-conf.yaml, a FlinkDeployment or FlinkSessionJob (spec.flinkConfiguration) or the operator''s Helm values'
            cand --scale-volume 'What if the input grows by F: every consumed byte is multiplied by F (e.g. 1.5, 10, 0.5)'
            cand --sweep-avg-data-volume 'Decide again for each of these avg-data-volume-per-task values (e.g. 16mb,64mb,256mb)'
            cand --format 'What to print'
            cand -o 'Write the result to FILE (atomically) instead of stdout'
            cand --output 'Write the result to FILE (atomically) instead of stdout'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'planscale;simulate'= {
            cand --metrics 'Metric CSV (long or wide)'
            cand --prometheus 'Replay the job''s history from this Prometheus-compatible server instead (see planscale fetch)'
            cand --job-name 'The job by its name (the reporter''s job_name label) instead of its id'
            cand --since 'History up to now, e.g. 7d, 6h, 30min'
            cand --from 'Start of the range: epoch ms or s, or RFC 3339 with an offset'
            cand --to 'End of the range (default: now)'
            cand --metric-prefix 'What the task metrics'' names start with, for series renamed by relabelling or recording rules'
            cand --bearer-token-file 'Bearer token, read from this file (default: $PLANSCALE_PROMETHEUS_TOKEN when set)'
            cand --basic-auth-user 'Basic auth as this user, the password from --basic-auth-password-file or $PLANSCALE_PROMETHEUS_PASSWORD'
            cand --basic-auth-password-file 'The basic-auth password, read from this file'
            cand --ca-cert 'PEM file of the CA(s) an https:// server''s certificate must chain to, instead of the public roots'
            cand --header 'An extra request header, e.g. ''X-Scope-OrgID: tenant-1'' for Mimir (repeatable; not Authorization)'
            cand --prometheus-timeout 'Timeout of each request to the server'
            cand --retries 'Tries after the first for 5xx and 429 answers, timeouts and broken connections (pauses of 0.5 s, 1 s, 2 s, ...)'
            cand --plan 'The job as a resource plan (Blink or expert): its vertices and what each subtask costs'
            cand --graph 'The job graph (REST job details or job plan give real JobVertexIDs; or an execution plan)'
            cand --plan-format 'Read --plan as this format instead of detecting it'
            cand --graph-format 'Read --graph as this format instead of detecting it'
            cand --policy 'Policy file (repeatable); its name is the file stem'
            cand -D 'A Flink option as KEY=VALUE, repeatable; wins over --config. Values are read as Flink reads them: a duration without a unit is milliseconds'
            cand --define 'A Flink option as KEY=VALUE, repeatable; wins over --config. Values are read as Flink reads them: a duration without a unit is milliseconds'
            cand --config 'Options from a Flink config.yaml (flat or nested), a flink-conf.yaml, a FlinkDeployment or FlinkSessionJob (spec.flinkConfiguration) or the operator''s Helm values'
            cand --flink-autoscaler-version 'Which release of the Flink Kubernetes operator''s autoscaler to reproduce'
            cand --expected-pending-time 'Data pending time goal: reported as seconds over it; AutoScale''s default goal'
            cand --max-cu 'CU ceiling: the platform models'' budget where their policy sets none, and the Flink autoscaler''s quota (a rescale growing the job beyond it is not executed)'
            cand --min-cu 'CU floor for the platform models without their own'
            cand --interval 'How often the Flink autoscaler samples and decides (default 60s, the operator''s reconcile interval)'
            cand --restart-time 'Downtime of one rescale (default job.autoscaler.restart.time)'
            cand --step 'Simulation step (default: the metrics'' own sample interval; with --prometheus, the query''s step, 1m)'
            cand --learn-until 'Learn per-subtask capacity only from samples up to this time (to validate against what followed)'
            cand --job 'The job to read when the CSV holds several (default: the graph''s own job id)'
            cand --plot 'Write a plot (.svg, or .png rasterised): demand vs capacity, parallelism, pending time'
            cand --timeline 'Write the per-step state as CSV'
            cand --format 'text: one row per policy; json: the summaries, events, settings and convergence'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'planscale;tune'= {
            cand --metrics 'Metric CSV (long or wide)'
            cand --prometheus 'Replay the job''s history from this Prometheus-compatible server instead (see planscale fetch)'
            cand --job-name 'The job by its name (the reporter''s job_name label) instead of its id'
            cand --since 'History up to now, e.g. 7d, 6h, 30min'
            cand --from 'Start of the range: epoch ms or s, or RFC 3339 with an offset'
            cand --to 'End of the range (default: now)'
            cand --metric-prefix 'What the task metrics'' names start with, for series renamed by relabelling or recording rules'
            cand --bearer-token-file 'Bearer token, read from this file (default: $PLANSCALE_PROMETHEUS_TOKEN when set)'
            cand --basic-auth-user 'Basic auth as this user, the password from --basic-auth-password-file or $PLANSCALE_PROMETHEUS_PASSWORD'
            cand --basic-auth-password-file 'The basic-auth password, read from this file'
            cand --ca-cert 'PEM file of the CA(s) an https:// server''s certificate must chain to, instead of the public roots'
            cand --header 'An extra request header, e.g. ''X-Scope-OrgID: tenant-1'' for Mimir (repeatable; not Authorization)'
            cand --prometheus-timeout 'Timeout of each request to the server'
            cand --retries 'Tries after the first for 5xx and 429 answers, timeouts and broken connections (pauses of 0.5 s, 1 s, 2 s, ...)'
            cand --plan 'The job as a resource plan (Blink or expert): its vertices and what each subtask costs'
            cand --graph 'The job graph (REST job details or job plan give real JobVertexIDs; or an execution plan)'
            cand --plan-format 'Read --plan as this format instead of detecting it'
            cand --graph-format 'Read --graph as this format instead of detecting it'
            cand -D 'A Flink option as KEY=VALUE, repeatable; wins over --config. Values are read as Flink reads them: a duration without a unit is milliseconds'
            cand --define 'A Flink option as KEY=VALUE, repeatable; wins over --config. Values are read as Flink reads them: a duration without a unit is milliseconds'
            cand --config 'Options from a Flink config.yaml (flat or nested), a flink-conf.yaml, a FlinkDeployment or FlinkSessionJob (spec.flinkConfiguration) or the operator''s Helm values'
            cand --flink-autoscaler-version 'Which release of the Flink Kubernetes operator''s autoscaler to reproduce'
            cand --pending-p95 'Target for the 95th percentile of data pending time'
            cand --max-rescales-per-day 'Most rescales per day a candidate may make'
            cand --space 'Search space (YAML: option → list of values, or {min, max, steps})'
            cand --budget 'Most settings candidates replayed (the defaults and the current settings included)'
            cand --periods 'Most periods of the schedule (1..=20); implies --schedule'
            cand --interval 'How often the Flink autoscaler samples and decides (default 60s)'
            cand --restart-time 'Downtime of one rescale (default job.autoscaler.restart.time, else measured)'
            cand --step 'Simulation step (default: the metrics'' own sample interval)'
            cand --job 'The job to read when the CSV holds several (default: the graph''s own job id)'
            cand -o 'Write the chosen settings as a Flink config.yaml fragment'
            cand --write-config 'Write the chosen settings as a Flink config.yaml fragment'
            cand --write-patch 'Write the chosen settings as a merge patch of the FlinkDeployment given with --config'
            cand --write-policy 'Write the chosen settings as a simulate policy file'
            cand --write-schedule 'Write the chosen schedule as a simulate policy file (kind scheduled)'
            cand --plot 'Write a plot (.svg or .png): the front, and the chosen policy''s timeline beside the defaults'''
            cand --format 'text: the front, the choice and how sure; json: the same as data'
            cand --schedule 'Also derive a daily schedule (time-of-day periods) and compare it'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'planscale;record'= {
            cand --rest 'The cluster''s REST endpoint, e.g. http://127.0.0.1:8081'
            cand --job 'A job to record (repeatable)'
            cand --interval 'Time between polls (Flink refreshes REST metrics every metrics.fetcher.update-interval, 10 s by default)'
            cand --duration 'Stop after this long (default: until Ctrl-C or the jobs end)'
            cand -o 'The metric CSV to write'
            cand --output 'The metric CSV to write'
            cand --timeout 'Timeout of each REST request'
            cand --ca-cert 'Trust only the CA certificates in this PEM file for an https:// --rest (a private CA, as curl''s --cacert)'
            cand --all-running 'Record every job that is RUNNING now'
            cand --append 'Add to an existing CSV of the same header instead of replacing it'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'planscale;fetch'= {
            cand --prometheus 'The server: the URL before /api/v1, e.g. http://127.0.0.1:9090'
            cand --job 'The job by its id (the reporter''s job_id label)'
            cand --step 'Time between rows: the range query''s step (rows fall on its multiples)'
            cand --job-name 'The job by its name (the reporter''s job_name label) instead of its id'
            cand --since 'History up to now, e.g. 7d, 6h, 30min'
            cand --from 'Start of the range: epoch ms or s, or RFC 3339 with an offset'
            cand --to 'End of the range (default: now)'
            cand --metric-prefix 'What the task metrics'' names start with, for series renamed by relabelling or recording rules'
            cand --bearer-token-file 'Bearer token, read from this file (default: $PLANSCALE_PROMETHEUS_TOKEN when set)'
            cand --basic-auth-user 'Basic auth as this user, the password from --basic-auth-password-file or $PLANSCALE_PROMETHEUS_PASSWORD'
            cand --basic-auth-password-file 'The basic-auth password, read from this file'
            cand --ca-cert 'PEM file of the CA(s) an https:// server''s certificate must chain to, instead of the public roots'
            cand --header 'An extra request header, e.g. ''X-Scope-OrgID: tenant-1'' for Mimir (repeatable; not Authorization)'
            cand --prometheus-timeout 'Timeout of each request to the server'
            cand --retries 'Tries after the first for 5xx and 429 answers, timeouts and broken connections (pauses of 0.5 s, 1 s, 2 s, ...)'
            cand -o 'The CSV to write; - is stdout'
            cand --output 'The CSV to write; - is stdout'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'planscale;apply'= {
            cand --rest 'The cluster''s REST endpoint, e.g. http://127.0.0.1:8081 (not needed for --dry-run with --recommendation, which then prints the request without checking it against the job)'
            cand --job 'The running job to rescale'
            cand --recommendation '`planscale recommend --format json` output (vertices[].id, recommended_parallelism)'
            cand --parallelism 'A vertex''s new parallelism (repeatable)'
            cand --wait-timeout 'How long --wait waits'
            cand --timeout 'Timeout of each REST request'
            cand --ca-cert 'Trust only the CA certificates in this PEM file for an https:// --rest (a private CA, as curl''s --cacert)'
            cand --format 'text: the changes and the wait as they happen; json: one document at the end'
            cand --dry-run 'Print the request and send nothing'
            cand --wait 'Follow the job until it runs at the new parallelism'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'planscale;completions'= {
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'planscale;man'= {
            cand --out-dir 'Write every page (planscale.1 and one per subcommand) into DIR instead of printing the main page'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'planscale;help'= {
            cand plan 'Work with resource plans (Blink PlanJSON, expert resourcePlan)'
            cand config 'Check Flink configurations, FlinkDeployments and Helm values (autoscaler, parallelism)'
            cand recommend 'Per-vertex parallelism from recorded metrics, as the Flink autoscaler would decide (`recommend batch`: as the Adaptive Batch Scheduler would size a batch job)'
            cand simulate 'Replay recorded traffic through scaling policies'
            cand tune 'Search autoscaler settings and a daily schedule that cost least on a recording''s traffic'
            cand record 'Record metrics and the job plan from a running Flink cluster'
            cand fetch 'Read a job''s metrics from Prometheus (or Thanos, Mimir, VictoriaMetrics) into a metric CSV'
            cand apply 'Apply parallelism to a running job (adaptive scheduler)'
            cand completions 'Print a shell completion script'
            cand man 'Print the roff man page'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'planscale;help;plan'= {
            cand validate 'Check plans against the job graph and a CU budget'
            cand init 'Write the plan "acquire configuration" would write for a job graph'
            cand break-chain 'Make nodes start a new chain, editing only the bytes that record the cut'
            cand show 'Show a plan''s vertices (chains), their resources and CU'
            cand diff 'What changed between two versions of a plan'
        }
        &'planscale;help;plan;validate'= {
        }
        &'planscale;help;plan;init'= {
        }
        &'planscale;help;plan;break-chain'= {
        }
        &'planscale;help;plan;show'= {
        }
        &'planscale;help;plan;diff'= {
        }
        &'planscale;help;config'= {
            cand validate 'Lint autoscaler and parallelism settings of Flink configurations, FlinkDeployments, FlinkSessionJobs and the operator''s Helm values'
        }
        &'planscale;help;config;validate'= {
        }
        &'planscale;help;recommend'= {
            cand batch 'Per-vertex parallelism of a batch job, as Flink''s Adaptive Batch Scheduler derives it from the data each vertex consumes'
        }
        &'planscale;help;recommend;batch'= {
        }
        &'planscale;help;simulate'= {
        }
        &'planscale;help;tune'= {
        }
        &'planscale;help;record'= {
        }
        &'planscale;help;fetch'= {
        }
        &'planscale;help;apply'= {
        }
        &'planscale;help;completions'= {
        }
        &'planscale;help;man'= {
        }
        &'planscale;help;help'= {
        }
    ]
    $completions[$command]
}
