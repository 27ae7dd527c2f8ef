# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_planscale_global_optspecs
    string join \n h/help V/version
end

function __fish_planscale_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_planscale_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_planscale_using_subcommand
    set -l cmd (__fish_planscale_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c planscale -n "__fish_planscale_needs_command" -s h -l help -d 'Print help'
complete -c planscale -n "__fish_planscale_needs_command" -s V -l version -d 'Print version'
complete -c planscale -n "__fish_planscale_needs_command" -f -a "plan" -d 'Work with resource plans (Blink PlanJSON, expert resourcePlan)'
complete -c planscale -n "__fish_planscale_needs_command" -f -a "config" -d 'Check Flink configurations, FlinkDeployments and Helm values (autoscaler, parallelism)'
complete -c planscale -n "__fish_planscale_needs_command" -f -a "recommend" -d 'Per-vertex parallelism from recorded metrics, as the Flink autoscaler would decide (`recommend batch`: as the Adaptive Batch Scheduler would size a batch job)'
complete -c planscale -n "__fish_planscale_needs_command" -f -a "simulate" -d 'Replay recorded traffic through scaling policies'
complete -c planscale -n "__fish_planscale_needs_command" -f -a "tune" -d 'Search autoscaler settings and a daily schedule that cost least on a recording\'s traffic'
complete -c planscale -n "__fish_planscale_needs_command" -f -a "record" -d 'Record metrics and the job plan from a running Flink cluster'
complete -c planscale -n "__fish_planscale_needs_command" -f -a "fetch" -d 'Read a job\'s metrics from Prometheus (or Thanos, Mimir, VictoriaMetrics) into a metric CSV'
complete -c planscale -n "__fish_planscale_needs_command" -f -a "apply" -d 'Apply parallelism to a running job (adaptive scheduler)'
complete -c planscale -n "__fish_planscale_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c planscale -n "__fish_planscale_needs_command" -f -a "man" -d 'Print the roff man page'
complete -c planscale -n "__fish_planscale_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c planscale -n "__fish_planscale_using_subcommand plan; and not __fish_seen_subcommand_from validate init break-chain show diff help" -s h -l help -d 'Print help'
complete -c planscale -n "__fish_planscale_using_subcommand plan; and not __fish_seen_subcommand_from validate init break-chain show diff help" -s V -l version -d 'Print version'
complete -c planscale -n "__fish_planscale_using_subcommand plan; and not __fish_seen_subcommand_from validate init break-chain show diff help" -f -a "validate" -d 'Check plans against the job graph and a CU budget'
complete -c planscale -n "__fish_planscale_using_subcommand plan; and not __fish_seen_subcommand_from validate init break-chain show diff help" -f -a "init" -d 'Write the plan "acquire configuration" would write for a job graph'
complete -c planscale -n "__fish_planscale_using_subcommand plan; and not __fish_seen_subcommand_from validate init break-chain show diff help" -f -a "break-chain" -d 'Make nodes start a new chain, editing only the bytes that record the cut'
complete -c planscale -n "__fish_planscale_using_subcommand plan; and not __fish_seen_subcommand_from validate init break-chain show diff help" -f -a "show" -d 'Show a plan\'s vertices (chains), their resources and CU'
complete -c planscale -n "__fish_planscale_using_subcommand plan; and not __fish_seen_subcommand_from validate init break-chain show diff help" -f -a "diff" -d 'What changed between two versions of a plan'
complete -c planscale -n "__fish_planscale_using_subcommand plan; and not __fish_seen_subcommand_from validate init break-chain show diff help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c planscale -n "__fish_planscale_using_subcommand plan; and __fish_seen_subcommand_from validate" -l graph -d 'The job\'s graph: execution plan / stream graph, or REST job plan / job details' -r
complete -c planscale -n "__fish_planscale_using_subcommand plan; and __fish_seen_subcommand_from validate" -l max-cu -d 'Budget in CU (1 CU = 1 core + 4 GiB)' -r
complete -c planscale -n "__fish_planscale_using_subcommand plan; and __fish_seen_subcommand_from validate" -l max-source-chain -d 'Warn when more than N operators are chained to a source' -r
complete -c planscale -n "__fish_planscale_using_subcommand plan; and __fish_seen_subcommand_from validate" -l plan-format -d 'Read the plan as this format instead of detecting it' -r -f -a "auto\t''
blink\t''
expert\t''"
complete -c planscale -n "__fish_planscale_using_subcommand plan; and __fish_seen_subcommand_from validate" -l graph-format -d 'Read --graph as this format instead of detecting it' -r -f -a "auto\t''
stream-graph\t''
job-plan\t''"
complete -c planscale -n "__fish_planscale_using_subcommand plan; and __fish_seen_subcommand_from validate" -l format -d 'text: a table per run; json, sarif, github: for tools and CI annotations' -r -f -a "text\t''
json\t''
sarif\t''
github\t''"
complete -c planscale -n "__fish_planscale_using_subcommand plan; and __fish_seen_subcommand_from validate" -l deny-warnings -d 'Treat warnings as errors for the exit code'
complete -c planscale -n "__fish_planscale_using_subcommand plan; and __fish_seen_subcommand_from validate" -s h -l help -d 'Print help'
complete -c planscale -n "__fish_planscale_using_subcommand plan; and __fish_seen_subcommand_from validate" -s V -l version -d 'Print version'
complete -c planscale -n "__fish_planscale_using_subcommand plan; and __fish_seen_subcommand_from init" -l graph -d 'The job\'s stream graph (execution plan or REST stream graph)' -r
complete -c planscale -n "__fish_planscale_using_subcommand plan; and __fish_seen_subcommand_from init" -l graph-format -d 'Read --graph as this format instead of detecting it' -r -f -a "auto\t''
stream-graph\t''
job-plan\t''"
complete -c planscale -n "__fish_planscale_using_subcommand plan; and __fish_seen_subcommand_from init" -l plan-format -d 'Plan format to write' -r -f -a "auto\t''
blink\t''
expert\t''"
complete -c planscale -n "__fish_planscale_using_subcommand plan; and __fish_seen_subcommand_from init" -s D -l define -d 'Set a default (see below); repeatable' -r
complete -c planscale -n "__fish_planscale_using_subcommand plan; and __fish_seen_subcommand_from init" -s o -l output -d 'Write the plan to FILE (atomically) instead of stdout' -r
complete -c planscale -n "__fish_planscale_using_subcommand plan; and __fish_seen_subcommand_from init" -s h -l help -d 'Print help'
complete -c planscale -n "__fish_planscale_using_subcommand plan; and __fish_seen_subcommand_from init" -s V -l version -d 'Print version'
complete -c planscale -n "__fish_planscale_using_subcommand plan; and __fish_seen_subcommand_from break-chain" -l node -d 'Make node ID start a new chain (repeatable)' -r
complete -c planscale -n "__fish_planscale_using_subcommand plan; and __fish_seen_subcommand_from break-chain" -l new-group -d 'Expert plans: move the --node into a new slot-sharing group NAME (groups never chain)' -r
complete -c planscale -n "__fish_planscale_using_subcommand plan; and __fish_seen_subcommand_from break-chain" -s o -l output -d 'Write the edited plan to FILE (atomically) instead of stdout' -r
complete -c planscale -n "__fish_planscale_using_subcommand plan; and __fish_seen_subcommand_from break-chain" -l graph -d 'Check the edited plan against the job graph and report what still does not match' -r
complete -c planscale -n "__fish_planscale_using_subcommand plan; and __fish_seen_subcommand_from break-chain" -l graph-format -d 'Read --graph as this format instead of detecting it' -r -f -a "auto\t''
stream-graph\t''
job-plan\t''"
complete -c planscale -n "__fish_planscale_using_subcommand plan; and __fish_seen_subcommand_from break-chain" -l plan-format -d 'Read the plan as this format instead of detecting it' -r -f -a "auto\t''
blink\t''
expert\t''"
complete -c planscale -n "__fish_planscale_using_subcommand plan; and __fish_seen_subcommand_from break-chain" -l format -d 'text: the edited plan (or diff) on stdout, a summary on stderr; json: a report on stdout' -r -f -a "text\t''
json\t''"
complete -c planscale -n "__fish_planscale_using_subcommand plan; and __fish_seen_subcommand_from break-chain" -l after-sources -d 'Cut every chain right after each source'
complete -c planscale -n "__fish_planscale_using_subcommand plan; and __fish_seen_subcommand_from break-chain" -l in-place -d 'Edit PLAN in place (atomically, keeping its permissions)'
complete -c planscale -n "__fish_planscale_using_subcommand plan; and __fish_seen_subcommand_from break-chain" -l dry-run -d 'Print the unified diff of the change and write nothing'
complete -c planscale -n "__fish_planscale_using_subcommand plan; and __fish_seen_subcommand_from break-chain" -s h -l help -d 'Print help'
complete -c planscale -n "__fish_planscale_using_subcommand plan; and __fish_seen_subcommand_from break-chain" -s V -l version -d 'Print version'
complete -c planscale -n "__fish_planscale_using_subcommand plan; and __fish_seen_subcommand_from show" -l graph -d 'The job graph, to add the JobVertexID of each vertex where the graph knows it (refused when the graph is another job\'s)' -r
complete -c planscale -n "__fish_planscale_using_subcommand plan; and __fish_seen_subcommand_from show" -l graph-format -d 'Read --graph as this format instead of detecting it' -r -f -a "auto\t''
stream-graph\t''
job-plan\t''"
complete -c planscale -n "__fish_planscale_using_subcommand plan; and __fish_seen_subcommand_from show" -l plan-format -d 'Read the plan as this format instead of detecting it' -r -f -a "auto\t''
blink\t''
expert\t''"
complete -c planscale -n "__fish_planscale_using_subcommand plan; and __fish_seen_subcommand_from show" -l format -d 'text: the node table and totals; json: the same as data' -r -f -a "text\t''
json\t''"
complete -c planscale -n "__fish_planscale_using_subcommand plan; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help'
complete -c planscale -n "__fish_planscale_using_subcommand plan; and __fish_seen_subcommand_from show" -s V -l version -d 'Print version'
complete -c planscale -n "__fish_planscale_using_subcommand plan; and __fish_seen_subcommand_from diff" -l plan-format -d 'Read the plan as this format instead of detecting it' -r -f -a "auto\t''
blink\t''
expert\t''"
complete -c planscale -n "__fish_planscale_using_subcommand plan; and __fish_seen_subcommand_from diff" -l format -d 'text: a summary table and a unified diff of the files as written; json: the changes' -r -f -a "text\t''
json\t''"
complete -c planscale -n "__fish_planscale_using_subcommand plan; and __fish_seen_subcommand_from diff" -l exit-code -d 'Exit 1 when the plans differ in meaning (a node, link or value changed), as `git diff --exit-code` does; without it the exit code is 0 for any two readable plans'
complete -c planscale -n "__fish_planscale_using_subcommand plan; and __fish_seen_subcommand_from diff" -s h -l help -d 'Print help'
complete -c planscale -n "__fish_planscale_using_subcommand plan; and __fish_seen_subcommand_from diff" -s V -l version -d 'Print version'
complete -c planscale -n "__fish_planscale_using_subcommand plan; and __fish_seen_subcommand_from help" -f -a "validate" -d 'Check plans against the job graph and a CU budget'
complete -c planscale -n "__fish_planscale_using_subcommand plan; and __fish_seen_subcommand_from help" -f -a "init" -d 'Write the plan "acquire configuration" would write for a job graph'
complete -c planscale -n "__fish_planscale_using_subcommand plan; and __fish_seen_subcommand_from help" -f -a "break-chain" -d 'Make nodes start a new chain, editing only the bytes that record the cut'
complete -c planscale -n "__fish_planscale_using_subcommand plan; and __fish_seen_subcommand_from help" -f -a "show" -d 'Show a plan\'s vertices (chains), their resources and CU'
complete -c planscale -n "__fish_planscale_using_subcommand plan; and __fish_seen_subcommand_from help" -f -a "diff" -d 'What changed between two versions of a plan'
complete -c planscale -n "__fish_planscale_using_subcommand plan; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c planscale -n "__fish_planscale_using_subcommand config; and not __fish_seen_subcommand_from validate help" -s h -l help -d 'Print help'
complete -c planscale -n "__fish_planscale_using_subcommand config; and not __fish_seen_subcommand_from validate help" -s V -l version -d 'Print version'
complete -c planscale -n "__fish_planscale_using_subcommand config; and not __fish_seen_subcommand_from validate help" -f -a "validate" -d 'Lint autoscaler and parallelism settings of Flink configurations, FlinkDeployments, FlinkSessionJobs and the operator\'s Helm values'
complete -c planscale -n "__fish_planscale_using_subcommand config; and not __fish_seen_subcommand_from validate help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c planscale -n "__fish_planscale_using_subcommand config; and __fish_seen_subcommand_from validate" -l graph -d 'The job\'s graph (REST job details or job plan for JobVertexIDs; an execution plan for max parallelism only): checks vertex ids, max parallelism and quotas against it' -r
complete -c planscale -n "__fish_planscale_using_subcommand config; and __fish_seen_subcommand_from validate" -l graph-format -d 'Read --graph as this format instead of detecting it' -r -f -a "auto\t''
stream-graph\t''
job-plan\t''"
complete -c planscale -n "__fish_planscale_using_subcommand config; and __fish_seen_subcommand_from validate" -l flink-autoscaler-version -d 'Which release of the Flink Kubernetes operator\'s autoscaler and validator to check against' -r -f -a "1.15\t''
1.16\t''
main\t''"
complete -c planscale -n "__fish_planscale_using_subcommand config; and __fish_seen_subcommand_from validate" -l format -d 'text: findings and a table per document; json, sarif, github: for tools and CI annotations' -r -f -a "text\t''
json\t''
sarif\t''
github\t''"
complete -c planscale -n "__fish_planscale_using_subcommand config; and __fish_seen_subcommand_from validate" -l deny-warnings -d 'Treat warnings as errors for the exit code'
complete -c planscale -n "__fish_planscale_using_subcommand config; and __fish_seen_subcommand_from validate" -s h -l help -d 'Print help'
complete -c planscale -n "__fish_planscale_using_subcommand config; and __fish_seen_subcommand_from validate" -s V -l version -d 'Print version'
complete -c planscale -n "__fish_planscale_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "validate" -d 'Lint autoscaler and parallelism settings of Flink configurations, FlinkDeployments, FlinkSessionJobs and the operator\'s Helm values'
complete -c planscale -n "__fish_planscale_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c planscale -n "__fish_planscale_using_subcommand recommend; and not __fish_seen_subcommand_from batch" -l metrics -d 'Metric CSV (long or wide, see docs/metrics.md); - reads stdin' -r
complete -c planscale -n "__fish_planscale_using_subcommand recommend; and not __fish_seen_subcommand_from batch" -l prometheus -d 'Read the metrics from this Prometheus-compatible server instead (see planscale fetch)' -r
complete -c planscale -n "__fish_planscale_using_subcommand recommend; and not __fish_seen_subcommand_from batch" -l job-name -d 'The job by its name (the reporter\'s job_name label) instead of its id' -r
complete -c planscale -n "__fish_planscale_using_subcommand recommend; and not __fish_seen_subcommand_from batch" -l since -d 'History up to now, e.g. 7d, 6h, 30min' -r
complete -c planscale -n "__fish_planscale_using_subcommand recommend; and not __fish_seen_subcommand_from batch" -l from -d 'Start of the range: epoch ms or s, or RFC 3339 with an offset' -r
complete -c planscale -n "__fish_planscale_using_subcommand recommend; and not __fish_seen_subcommand_from batch" -l to -d 'End of the range (default: now)' -r
complete -c planscale -n "__fish_planscale_using_subcommand recommend; and not __fish_seen_subcommand_from batch" -l metric-prefix -d 'What the task metrics\' names start with, for series renamed by relabelling or recording rules' -r
complete -c planscale -n "__fish_planscale_using_subcommand recommend; and not __fish_seen_subcommand_from batch" -l bearer-token-file -d 'Bearer token, read from this file (default: $PLANSCALE_PROMETHEUS_TOKEN when set)' -r -F
complete -c planscale -n "__fish_planscale_using_subcommand recommend; and not __fish_seen_subcommand_from batch" -l basic-auth-user -d 'Basic auth as this user, the password from --basic-auth-password-file or $PLANSCALE_PROMETHEUS_PASSWORD' -r
complete -c planscale -n "__fish_planscale_using_subcommand recommend; and not __fish_seen_subcommand_from batch" -l basic-auth-password-file -d 'The basic-auth password, read from this file' -r -F
complete -c planscale -n "__fish_planscale_using_subcommand recommend; and not __fish_seen_subcommand_from batch" -l ca-cert -d 'PEM file of the CA(s) an https:// server\'s certificate must chain to, instead of the public roots' -r -F
complete -c planscale -n "__fish_planscale_using_subcommand recommend; and not __fish_seen_subcommand_from batch" -l header -d 'An extra request header, e.g. \'X-Scope-OrgID: tenant-1\' for Mimir (repeatable; not Authorization)' -r
complete -c planscale -n "__fish_planscale_using_subcommand recommend; and not __fish_seen_subcommand_from batch" -l prometheus-timeout -d 'Timeout of each request to the server' -r
complete -c planscale -n "__fish_planscale_using_subcommand recommend; and not __fish_seen_subcommand_from batch" -l retries -d 'Tries after the first for 5xx and 429 answers, timeouts and broken connections (pauses of 0.5 s, 1 s, 2 s, ...)' -r
complete -c planscale -n "__fish_planscale_using_subcommand recommend; and not __fish_seen_subcommand_from batch" -l step -d 'With --prometheus: time between samples, the range query\'s step (default 1m)' -r
complete -c planscale -n "__fish_planscale_using_subcommand recommend; and not __fish_seen_subcommand_from batch" -l plan -d 'The job as a resource plan (Blink or expert): its vertices and what each subtask costs' -r
complete -c planscale -n "__fish_planscale_using_subcommand recommend; and not __fish_seen_subcommand_from batch" -l graph -d 'The job graph (REST job details or job plan give real JobVertexIDs; or an execution plan)' -r
complete -c planscale -n "__fish_planscale_using_subcommand recommend; and not __fish_seen_subcommand_from batch" -l plan-format -d 'Read --plan as this format instead of detecting it' -r -f -a "auto\t''
blink\t''
expert\t''"
complete -c planscale -n "__fish_planscale_using_subcommand recommend; and not __fish_seen_subcommand_from batch" -l graph-format -d 'Read --graph as this format instead of detecting it' -r -f -a "auto\t''
stream-graph\t''
job-plan\t''"
complete -c planscale -n "__fish_planscale_using_subcommand recommend; and not __fish_seen_subcommand_from batch" -s D -l define -d 'A Flink option as KEY=VALUE, repeatable; wins over --config. Values are read as Flink reads them: a duration without a unit is milliseconds' -r
complete -c planscale -n "__fish_planscale_using_subcommand recommend; and not __fish_seen_subcommand_from batch" -l config -d 'Options from a Flink config.yaml (flat or nested), a flink-conf.yaml, a FlinkDeployment or FlinkSessionJob (spec.flinkConfiguration) or the operator\'s Helm values' -r
complete -c planscale -n "__fish_planscale_using_subcommand recommend; and not __fish_seen_subcommand_from batch" -l flink-autoscaler-version -d 'Which release of the Flink Kubernetes operator\'s autoscaler to reproduce' -r -f -a "1.15\t''
1.16\t''
main\t''"
complete -c planscale -n "__fish_planscale_using_subcommand recommend; and not __fish_seen_subcommand_from batch" -l expected-pending-time -d 'The sources\' data pending time goal (e.g. 30s): used as the catch-up duration' -r
complete -c planscale -n "__fish_planscale_using_subcommand recommend; and not __fish_seen_subcommand_from batch" -l max-cu -d 'CU ceiling: scale-ups that would take the job above it are held back, largest first' -r
complete -c planscale -n "__fish_planscale_using_subcommand recommend; and not __fish_seen_subcommand_from batch" -l min-cu -d 'CU floor: scale-downs that would take the job below it are held back, largest first' -r
complete -c planscale -n "__fish_planscale_using_subcommand recommend; and not __fish_seen_subcommand_from batch" -l at -d 'End of the evaluated window: epoch ms or s, or RFC 3339' -r
complete -c planscale -n "__fish_planscale_using_subcommand recommend; and not __fish_seen_subcommand_from batch" -l window -d 'Length of the evaluated window (e.g. 10m)' -r
complete -c planscale -n "__fish_planscale_using_subcommand recommend; and not __fish_seen_subcommand_from batch" -l job -d 'The job to read when the CSV holds several, or to fetch (default: the graph\'s own job id)' -r
complete -c planscale -n "__fish_planscale_using_subcommand recommend; and not __fish_seen_subcommand_from batch" -l format -d 'What to print: the decision (text, json) or what to apply it with' -r -f -a "text\t''
json\t''
overrides\t''
resource-requirements\t''
plan\t''
flinkdeployment\t'A merge patch for the FlinkDeployment/FlinkSessionJob given with --config'"
complete -c planscale -n "__fish_planscale_using_subcommand recommend; and not __fish_seen_subcommand_from batch" -s o -l output -d 'Write the result to FILE (atomically) instead of stdout' -r
complete -c planscale -n "__fish_planscale_using_subcommand recommend; and not __fish_seen_subcommand_from batch" -l exact -d 'Only the autoscaler\'s own decision: no planscale estimate of demand hidden by backpressure'
complete -c planscale -n "__fish_planscale_using_subcommand recommend; and not __fish_seen_subcommand_from batch" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c planscale -n "__fish_planscale_using_subcommand recommend; and not __fish_seen_subcommand_from batch" -s V -l version -d 'Print version'
complete -c planscale -n "__fish_planscale_using_subcommand recommend; and not __fish_seen_subcommand_from batch" -f -a "batch" -d 'Per-vertex parallelism of a batch job, as Flink\'s Adaptive Batch Scheduler derives it from the data each vertex consumes'
complete -c planscale -n "__fish_planscale_using_subcommand recommend; and __fish_seen_subcommand_from batch" -s D -l define -d 'A Flink option as KEY=VALUE, repeatable; wins over --config. Values are read as Flink reads them: a duration without a unit is milliseconds' -r
complete -c planscale -n "__fish_planscale_using_subcommand recommend; and __fish_seen_subcommand_from batch" -l config -d 'Options from a Flink config.yaml (flat or nested), a flink-conf.yaml, a FlinkDeployment or FlinkSessionJob (spec.flinkConfiguration) or the operator\'s Helm values' -r
complete -c planscale -n "__fish_planscale_using_subcommand recommend; and __fish_seen_subcommand_from batch" -l scale-volume -d 'What if the input grows by F: every consumed byte is multiplied by F (e.g. 1.5, 10, 0.5)' -r
complete -c planscale -n "__fish_planscale_using_subcommand recommend; and __fish_seen_subcommand_from batch" -l sweep-avg-data-volume -d 'Decide again for each of these avg-data-volume-per-task values (e.g. 16mb,64mb,256mb)' -r
complete -c planscale -n "__fish_planscale_using_subcommand recommend; and __fish_seen_subcommand_from batch" -l format -d 'What to print' -r -f -a "text\t''
json\t''
overrides\t'pipeline.jobvertex-parallelism-overrides for the decided vertices'"
complete -c planscale -n "__fish_planscale_using_subcommand recommend; and __fish_seen_subcommand_from batch" -s o -l output -d 'Write the result to FILE (atomically) instead of stdout' -r
complete -c planscale -n "__fish_planscale_using_subcommand recommend; and __fish_seen_subcommand_from batch" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c planscale -n "__fish_planscale_using_subcommand recommend; and __fish_seen_subcommand_from batch" -s V -l version -d 'Print version'
complete -c planscale -n "__fish_planscale_using_subcommand simulate" -l metrics -d 'Metric CSV (long or wide)' -r
complete -c planscale -n "__fish_planscale_using_subcommand simulate" -l prometheus -d 'Replay the job\'s history from this Prometheus-compatible server instead (see planscale fetch)' -r
complete -c planscale -n "__fish_planscale_using_subcommand simulate" -l job-name -d 'The job by its name (the reporter\'s job_name label) instead of its id' -r
complete -c planscale -n "__fish_planscale_using_subcommand simulate" -l since -d 'History up to now, e.g. 7d, 6h, 30min' -r
complete -c planscale -n "__fish_planscale_using_subcommand simulate" -l from -d 'Start of the range: epoch ms or s, or RFC 3339 with an offset' -r
complete -c planscale -n "__fish_planscale_using_subcommand simulate" -l to -d 'End of the range (default: now)' -r
complete -c planscale -n "__fish_planscale_using_subcommand simulate" -l metric-prefix -d 'What the task metrics\' names start with, for series renamed by relabelling or recording rules' -r
complete -c planscale -n "__fish_planscale_using_subcommand simulate" -l bearer-token-file -d 'Bearer token, read from this file (default: $PLANSCALE_PROMETHEUS_TOKEN when set)' -r -F
complete -c planscale -n "__fish_planscale_using_subcommand simulate" -l basic-auth-user -d 'Basic auth as this user, the password from --basic-auth-password-file or $PLANSCALE_PROMETHEUS_PASSWORD' -r
complete -c planscale -n "__fish_planscale_using_subcommand simulate" -l basic-auth-password-file -d 'The basic-auth password, read from this file' -r -F
complete -c planscale -n "__fish_planscale_using_subcommand simulate" -l ca-cert -d 'PEM file of the CA(s) an https:// server\'s certificate must chain to, instead of the public roots' -r -F
complete -c planscale -n "__fish_planscale_using_subcommand simulate" -l header -d 'An extra request header, e.g. \'X-Scope-OrgID: tenant-1\' for Mimir (repeatable; not Authorization)' -r
complete -c planscale -n "__fish_planscale_using_subcommand simulate" -l prometheus-timeout -d 'Timeout of each request to the server' -r
complete -c planscale -n "__fish_planscale_using_subcommand simulate" -l retries -d 'Tries after the first for 5xx and 429 answers, timeouts and broken connections (pauses of 0.5 s, 1 s, 2 s, ...)' -r
complete -c planscale -n "__fish_planscale_using_subcommand simulate" -l plan -d 'The job as a resource plan (Blink or expert): its vertices and what each subtask costs' -r
complete -c planscale -n "__fish_planscale_using_subcommand simulate" -l graph -d 'The job graph (REST job details or job plan give real JobVertexIDs; or an execution plan)' -r
complete -c planscale -n "__fish_planscale_using_subcommand simulate" -l plan-format -d 'Read --plan as this format instead of detecting it' -r -f -a "auto\t''
blink\t''
expert\t''"
complete -c planscale -n "__fish_planscale_using_subcommand simulate" -l graph-format -d 'Read --graph as this format instead of detecting it' -r -f -a "auto\t''
stream-graph\t''
job-plan\t''"
complete -c planscale -n "__fish_planscale_using_subcommand simulate" -l policy -d 'Policy file (repeatable); its name is the file stem' -r
complete -c planscale -n "__fish_planscale_using_subcommand simulate" -s D -l define -d 'A Flink option as KEY=VALUE, repeatable; wins over --config. Values are read as Flink reads them: a duration without a unit is milliseconds' -r
complete -c planscale -n "__fish_planscale_using_subcommand simulate" -l config -d 'Options from a Flink config.yaml (flat or nested), a flink-conf.yaml, a FlinkDeployment or FlinkSessionJob (spec.flinkConfiguration) or the operator\'s Helm values' -r
complete -c planscale -n "__fish_planscale_using_subcommand simulate" -l flink-autoscaler-version -d 'Which release of the Flink Kubernetes operator\'s autoscaler to reproduce' -r -f -a "1.15\t''
1.16\t''
main\t''"
complete -c planscale -n "__fish_planscale_using_subcommand simulate" -l expected-pending-time -d 'Data pending time goal: reported as seconds over it; AutoScale\'s default goal' -r
complete -c planscale -n "__fish_planscale_using_subcommand simulate" -l max-cu -d 'CU ceiling: the platform models\' budget where their policy sets none, and the Flink autoscaler\'s quota (a rescale growing the job beyond it is not executed)' -r
complete -c planscale -n "__fish_planscale_using_subcommand simulate" -l min-cu -d 'CU floor for the platform models without their own' -r
complete -c planscale -n "__fish_planscale_using_subcommand simulate" -l interval -d 'How often the Flink autoscaler samples and decides (default 60s, the operator\'s reconcile interval)' -r
complete -c planscale -n "__fish_planscale_using_subcommand simulate" -l restart-time -d 'Downtime of one rescale (default job.autoscaler.restart.time)' -r
complete -c planscale -n "__fish_planscale_using_subcommand simulate" -l step -d 'Simulation step (default: the metrics\' own sample interval; with --prometheus, the query\'s step, 1m)' -r
complete -c planscale -n "__fish_planscale_using_subcommand simulate" -l learn-until -d 'Learn per-subtask capacity only from samples up to this time (to validate against what followed)' -r
complete -c planscale -n "__fish_planscale_using_subcommand simulate" -l job -d 'The job to read when the CSV holds several (default: the graph\'s own job id)' -r
complete -c planscale -n "__fish_planscale_using_subcommand simulate" -l plot -d 'Write a plot (.svg, or .png rasterised): demand vs capacity, parallelism, pending time' -r
complete -c planscale -n "__fish_planscale_using_subcommand simulate" -l timeline -d 'Write the per-step state as CSV' -r
complete -c planscale -n "__fish_planscale_using_subcommand simulate" -l format -d 'text: one row per policy; json: the summaries, events, settings and convergence' -r -f -a "text\t''
json\t''"
complete -c planscale -n "__fish_planscale_using_subcommand simulate" -s h -l help -d 'Print help'
complete -c planscale -n "__fish_planscale_using_subcommand simulate" -s V -l version -d 'Print version'
complete -c planscale -n "__fish_planscale_using_subcommand tune" -l metrics -d 'Metric CSV (long or wide)' -r
complete -c planscale -n "__fish_planscale_using_subcommand tune" -l prometheus -d 'Replay the job\'s history from this Prometheus-compatible server instead (see planscale fetch)' -r
complete -c planscale -n "__fish_planscale_using_subcommand tune" -l job-name -d 'The job by its name (the reporter\'s job_name label) instead of its id' -r
complete -c planscale -n "__fish_planscale_using_subcommand tune" -l since -d 'History up to now, e.g. 7d, 6h, 30min' -r
complete -c planscale -n "__fish_planscale_using_subcommand tune" -l from -d 'Start of the range: epoch ms or s, or RFC 3339 with an offset' -r
complete -c planscale -n "__fish_planscale_using_subcommand tune" -l to -d 'End of the range (default: now)' -r
complete -c planscale -n "__fish_planscale_using_subcommand tune" -l metric-prefix -d 'What the task metrics\' names start with, for series renamed by relabelling or recording rules' -r
complete -c planscale -n "__fish_planscale_using_subcommand tune" -l bearer-token-file -d 'Bearer token, read from this file (default: $PLANSCALE_PROMETHEUS_TOKEN when set)' -r -F
complete -c planscale -n "__fish_planscale_using_subcommand tune" -l basic-auth-user -d 'Basic auth as this user, the password from --basic-auth-password-file or $PLANSCALE_PROMETHEUS_PASSWORD' -r
complete -c planscale -n "__fish_planscale_using_subcommand tune" -l basic-auth-password-file -d 'The basic-auth password, read from this file' -r -F
complete -c planscale -n "__fish_planscale_using_subcommand tune" -l ca-cert -d 'PEM file of the CA(s) an https:// server\'s certificate must chain to, instead of the public roots' -r -F
complete -c planscale -n "__fish_planscale_using_subcommand tune" -l header -d 'An extra request header, e.g. \'X-Scope-OrgID: tenant-1\' for Mimir (repeatable; not Authorization)' -r
complete -c planscale -n "__fish_planscale_using_subcommand tune" -l prometheus-timeout -d 'Timeout of each request to the server' -r
complete -c planscale -n "__fish_planscale_using_subcommand tune" -l retries -d 'Tries after the first for 5xx and 429 answers, timeouts and broken connections (pauses of 0.5 s, 1 s, 2 s, ...)' -r
complete -c planscale -n "__fish_planscale_using_subcommand tune" -l plan -d 'The job as a resource plan (Blink or expert): its vertices and what each subtask costs' -r
complete -c planscale -n "__fish_planscale_using_subcommand tune" -l graph -d 'The job graph (REST job details or job plan give real JobVertexIDs; or an execution plan)' -r
complete -c planscale -n "__fish_planscale_using_subcommand tune" -l plan-format -d 'Read --plan as this format instead of detecting it' -r -f -a "auto\t''
blink\t''
expert\t''"
complete -c planscale -n "__fish_planscale_using_subcommand tune" -l graph-format -d 'Read --graph as this format instead of detecting it' -r -f -a "auto\t''
stream-graph\t''
job-plan\t''"
complete -c planscale -n "__fish_planscale_using_subcommand tune" -s D -l define -d 'A Flink option as KEY=VALUE, repeatable; wins over --config. Values are read as Flink reads them: a duration without a unit is milliseconds' -r
complete -c planscale -n "__fish_planscale_using_subcommand tune" -l config -d 'Options from a Flink config.yaml (flat or nested), a flink-conf.yaml, a FlinkDeployment or FlinkSessionJob (spec.flinkConfiguration) or the operator\'s Helm values' -r
complete -c planscale -n "__fish_planscale_using_subcommand tune" -l flink-autoscaler-version -d 'Which release of the Flink Kubernetes operator\'s autoscaler to reproduce' -r -f -a "1.15\t''
1.16\t''
main\t''"
complete -c planscale -n "__fish_planscale_using_subcommand tune" -l pending-p95 -d 'Target for the 95th percentile of data pending time' -r
complete -c planscale -n "__fish_planscale_using_subcommand tune" -l max-rescales-per-day -d 'Most rescales per day a candidate may make' -r
complete -c planscale -n "__fish_planscale_using_subcommand tune" -l space -d 'Search space (YAML: option → list of values, or {min, max, steps})' -r
complete -c planscale -n "__fish_planscale_using_subcommand tune" -l budget -d 'Most settings candidates replayed (the defaults and the current settings included)' -r
complete -c planscale -n "__fish_planscale_using_subcommand tune" -l periods -d 'Most periods of the schedule (1..=20); implies --schedule' -r
complete -c planscale -n "__fish_planscale_using_subcommand tune" -l interval -d 'How often the Flink autoscaler samples and decides (default 60s)' -r
complete -c planscale -n "__fish_planscale_using_subcommand tune" -l restart-time -d 'Downtime of one rescale (default job.autoscaler.restart.time, else measured)' -r
complete -c planscale -n "__fish_planscale_using_subcommand tune" -l step -d 'Simulation step (default: the metrics\' own sample interval)' -r
complete -c planscale -n "__fish_planscale_using_subcommand tune" -l job -d 'The job to read when the CSV holds several (default: the graph\'s own job id)' -r
complete -c planscale -n "__fish_planscale_using_subcommand tune" -s o -l write-config -d 'Write the chosen settings as a Flink config.yaml fragment' -r
complete -c planscale -n "__fish_planscale_using_subcommand tune" -l write-patch -d 'Write the chosen settings as a merge patch of the FlinkDeployment given with --config' -r
complete -c planscale -n "__fish_planscale_using_subcommand tune" -l write-policy -d 'Write the chosen settings as a simulate policy file' -r
complete -c planscale -n "__fish_planscale_using_subcommand tune" -l write-schedule -d 'Write the chosen schedule as a simulate policy file (kind scheduled)' -r
complete -c planscale -n "__fish_planscale_using_subcommand tune" -l plot -d 'Write a plot (.svg or .png): the front, and the chosen policy\'s timeline beside the defaults\'' -r
complete -c planscale -n "__fish_planscale_using_subcommand tune" -l format -d 'text: the front, the choice and how sure; json: the same as data' -r -f -a "text\t''
json\t''"
complete -c planscale -n "__fish_planscale_using_subcommand tune" -l schedule -d 'Also derive a daily schedule (time-of-day periods) and compare it'
complete -c planscale -n "__fish_planscale_using_subcommand tune" -s h -l help -d 'Print help'
complete -c planscale -n "__fish_planscale_using_subcommand tune" -s V -l version -d 'Print version'
complete -c planscale -n "__fish_planscale_using_subcommand record" -l rest -d 'The cluster\'s REST endpoint, e.g. http://127.0.0.1:8081' -r
complete -c planscale -n "__fish_planscale_using_subcommand record" -l job -d 'A job to record (repeatable)' -r
complete -c planscale -n "__fish_planscale_using_subcommand record" -l interval -d 'Time between polls (Flink refreshes REST metrics every metrics.fetcher.update-interval, 10 s by default)' -r
complete -c planscale -n "__fish_planscale_using_subcommand record" -l duration -d 'Stop after this long (default: until Ctrl-C or the jobs end)' -r
complete -c planscale -n "__fish_planscale_using_subcommand record" -s o -l output -d 'The metric CSV to write' -r -F
complete -c planscale -n "__fish_planscale_using_subcommand record" -l timeout -d 'Timeout of each REST request' -r
complete -c planscale -n "__fish_planscale_using_subcommand record" -l ca-cert -d 'Trust only the CA certificates in this PEM file for an https:// --rest (a private CA, as curl\'s --cacert)' -r -F
complete -c planscale -n "__fish_planscale_using_subcommand record" -l all-running -d 'Record every job that is RUNNING now'
complete -c planscale -n "__fish_planscale_using_subcommand record" -l append -d 'Add to an existing CSV of the same header instead of replacing it'
complete -c planscale -n "__fish_planscale_using_subcommand record" -s h -l help -d 'Print help'
complete -c planscale -n "__fish_planscale_using_subcommand record" -s V -l version -d 'Print version'
complete -c planscale -n "__fish_planscale_using_subcommand fetch" -l prometheus -d 'The server: the URL before /api/v1, e.g. http://127.0.0.1:9090' -r
complete -c planscale -n "__fish_planscale_using_subcommand fetch" -l job -d 'The job by its id (the reporter\'s job_id label)' -r
complete -c planscale -n "__fish_planscale_using_subcommand fetch" -l step -d 'Time between rows: the range query\'s step (rows fall on its multiples)' -r
complete -c planscale -n "__fish_planscale_using_subcommand fetch" -l job-name -d 'The job by its name (the reporter\'s job_name label) instead of its id' -r
complete -c planscale -n "__fish_planscale_using_subcommand fetch" -l since -d 'History up to now, e.g. 7d, 6h, 30min' -r
complete -c planscale -n "__fish_planscale_using_subcommand fetch" -l from -d 'Start of the range: epoch ms or s, or RFC 3339 with an offset' -r
complete -c planscale -n "__fish_planscale_using_subcommand fetch" -l to -d 'End of the range (default: now)' -r
complete -c planscale -n "__fish_planscale_using_subcommand fetch" -l metric-prefix -d 'What the task metrics\' names start with, for series renamed by relabelling or recording rules' -r
complete -c planscale -n "__fish_planscale_using_subcommand fetch" -l bearer-token-file -d 'Bearer token, read from this file (default: $PLANSCALE_PROMETHEUS_TOKEN when set)' -r -F
complete -c planscale -n "__fish_planscale_using_subcommand fetch" -l basic-auth-user -d 'Basic auth as this user, the password from --basic-auth-password-file or $PLANSCALE_PROMETHEUS_PASSWORD' -r
complete -c planscale -n "__fish_planscale_using_subcommand fetch" -l basic-auth-password-file -d 'The basic-auth password, read from this file' -r -F
complete -c planscale -n "__fish_planscale_using_subcommand fetch" -l ca-cert -d 'PEM file of the CA(s) an https:// server\'s certificate must chain to, instead of the public roots' -r -F
complete -c planscale -n "__fish_planscale_using_subcommand fetch" -l header -d 'An extra request header, e.g. \'X-Scope-OrgID: tenant-1\' for Mimir (repeatable; not Authorization)' -r
complete -c planscale -n "__fish_planscale_using_subcommand fetch" -l prometheus-timeout -d 'Timeout of each request to the server' -r
complete -c planscale -n "__fish_planscale_using_subcommand fetch" -l retries -d 'Tries after the first for 5xx and 429 answers, timeouts and broken connections (pauses of 0.5 s, 1 s, 2 s, ...)' -r
complete -c planscale -n "__fish_planscale_using_subcommand fetch" -s o -l output -d 'The CSV to write; - is stdout' -r
complete -c planscale -n "__fish_planscale_using_subcommand fetch" -s h -l help -d 'Print help'
complete -c planscale -n "__fish_planscale_using_subcommand fetch" -s V -l version -d 'Print version'
complete -c planscale -n "__fish_planscale_using_subcommand apply" -l rest -d 'The cluster\'s REST endpoint, e.g. http://127.0.0.1:8081 (not needed for --dry-run with --recommendation, which then prints the request without checking it against the job)' -r
complete -c planscale -n "__fish_planscale_using_subcommand apply" -l job -d 'The running job to rescale' -r
complete -c planscale -n "__fish_planscale_using_subcommand apply" -l recommendation -d '`planscale recommend --format json` output (vertices[].id, recommended_parallelism)' -r
complete -c planscale -n "__fish_planscale_using_subcommand apply" -l parallelism -d 'A vertex\'s new parallelism (repeatable)' -r
complete -c planscale -n "__fish_planscale_using_subcommand apply" -l wait-timeout -d 'How long --wait waits' -r
complete -c planscale -n "__fish_planscale_using_subcommand apply" -l timeout -d 'Timeout of each REST request' -r
complete -c planscale -n "__fish_planscale_using_subcommand apply" -l ca-cert -d 'Trust only the CA certificates in this PEM file for an https:// --rest (a private CA, as curl\'s --cacert)' -r -F
complete -c planscale -n "__fish_planscale_using_subcommand apply" -l format -d 'text: the changes and the wait as they happen; json: one document at the end' -r -f -a "text\t''
json\t''"
complete -c planscale -n "__fish_planscale_using_subcommand apply" -l dry-run -d 'Print the request and send nothing'
complete -c planscale -n "__fish_planscale_using_subcommand apply" -l wait -d 'Follow the job until it runs at the new parallelism'
complete -c planscale -n "__fish_planscale_using_subcommand apply" -s h -l help -d 'Print help'
complete -c planscale -n "__fish_planscale_using_subcommand apply" -s V -l version -d 'Print version'
complete -c planscale -n "__fish_planscale_using_subcommand completions" -s h -l help -d 'Print help'
complete -c planscale -n "__fish_planscale_using_subcommand completions" -s V -l version -d 'Print version'
complete -c planscale -n "__fish_planscale_using_subcommand man" -l out-dir -d 'Write every page (planscale.1 and one per subcommand) into DIR instead of printing the main page' -r
complete -c planscale -n "__fish_planscale_using_subcommand man" -s h -l help -d 'Print help'
complete -c planscale -n "__fish_planscale_using_subcommand man" -s V -l version -d 'Print version'
complete -c planscale -n "__fish_planscale_using_subcommand help; and not __fish_seen_subcommand_from plan config recommend simulate tune record fetch apply completions man help" -f -a "plan" -d 'Work with resource plans (Blink PlanJSON, expert resourcePlan)'
complete -c planscale -n "__fish_planscale_using_subcommand help; and not __fish_seen_subcommand_from plan config recommend simulate tune record fetch apply completions man help" -f -a "config" -d 'Check Flink configurations, FlinkDeployments and Helm values (autoscaler, parallelism)'
complete -c planscale -n "__fish_planscale_using_subcommand help; and not __fish_seen_subcommand_from plan config recommend simulate tune record fetch apply completions man help" -f -a "recommend" -d 'Per-vertex parallelism from recorded metrics, as the Flink autoscaler would decide (`recommend batch`: as the Adaptive Batch Scheduler would size a batch job)'
complete -c planscale -n "__fish_planscale_using_subcommand help; and not __fish_seen_subcommand_from plan config recommend simulate tune record fetch apply completions man help" -f -a "simulate" -d 'Replay recorded traffic through scaling policies'
complete -c planscale -n "__fish_planscale_using_subcommand help; and not __fish_seen_subcommand_from plan config recommend simulate tune record fetch apply completions man help" -f -a "tune" -d 'Search autoscaler settings and a daily schedule that cost least on a recording\'s traffic'
complete -c planscale -n "__fish_planscale_using_subcommand help; and not __fish_seen_subcommand_from plan config recommend simulate tune record fetch apply completions man help" -f -a "record" -d 'Record metrics and the job plan from a running Flink cluster'
complete -c planscale -n "__fish_planscale_using_subcommand help; and not __fish_seen_subcommand_from plan config recommend simulate tune record fetch apply completions man help" -f -a "fetch" -d 'Read a job\'s metrics from Prometheus (or Thanos, Mimir, VictoriaMetrics) into a metric CSV'
complete -c planscale -n "__fish_planscale_using_subcommand help; and not __fish_seen_subcommand_from plan config recommend simulate tune record fetch apply completions man help" -f -a "apply" -d 'Apply parallelism to a running job (adaptive scheduler)'
complete -c planscale -n "__fish_planscale_using_subcommand help; and not __fish_seen_subcommand_from plan config recommend simulate tune record fetch apply completions man help" -f -a "completions" -d 'Print a shell completion script'
complete -c planscale -n "__fish_planscale_using_subcommand help; and not __fish_seen_subcommand_from plan config recommend simulate tune record fetch apply completions man help" -f -a "man" -d 'Print the roff man page'
complete -c planscale -n "__fish_planscale_using_subcommand help; and not __fish_seen_subcommand_from plan config recommend simulate tune record fetch apply completions man help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c planscale -n "__fish_planscale_using_subcommand help; and __fish_seen_subcommand_from plan" -f -a "validate" -d 'Check plans against the job graph and a CU budget'
complete -c planscale -n "__fish_planscale_using_subcommand help; and __fish_seen_subcommand_from plan" -f -a "init" -d 'Write the plan "acquire configuration" would write for a job graph'
complete -c planscale -n "__fish_planscale_using_subcommand help; and __fish_seen_subcommand_from plan" -f -a "break-chain" -d 'Make nodes start a new chain, editing only the bytes that record the cut'
complete -c planscale -n "__fish_planscale_using_subcommand help; and __fish_seen_subcommand_from plan" -f -a "show" -d 'Show a plan\'s vertices (chains), their resources and CU'
complete -c planscale -n "__fish_planscale_using_subcommand help; and __fish_seen_subcommand_from plan" -f -a "diff" -d 'What changed between two versions of a plan'
complete -c planscale -n "__fish_planscale_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "validate" -d 'Lint autoscaler and parallelism settings of Flink configurations, FlinkDeployments, FlinkSessionJobs and the operator\'s Helm values'
complete -c planscale -n "__fish_planscale_using_subcommand help; and __fish_seen_subcommand_from recommend" -f -a "batch" -d 'Per-vertex parallelism of a batch job, as Flink\'s Adaptive Batch Scheduler derives it from the data each vertex consumes'
