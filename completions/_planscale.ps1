
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'planscale' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'planscale'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'planscale' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('plan', 'plan', [CompletionResultType]::ParameterValue, 'Work with resource plans (Blink PlanJSON, expert resourcePlan)')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Check Flink configurations, FlinkDeployments and Helm values (autoscaler, parallelism)')
            [CompletionResult]::new('recommend', 'recommend', [CompletionResultType]::ParameterValue, 'Per-vertex parallelism from recorded metrics, as the Flink autoscaler would decide (`recommend batch`: as the Adaptive Batch Scheduler would size a batch job)')
            [CompletionResult]::new('simulate', 'simulate', [CompletionResultType]::ParameterValue, 'Replay recorded traffic through scaling policies')
            [CompletionResult]::new('tune', 'tune', [CompletionResultType]::ParameterValue, 'Search autoscaler settings and a daily schedule that cost least on a recording''s traffic')
            [CompletionResult]::new('record', 'record', [CompletionResultType]::ParameterValue, 'Record metrics and the job plan from a running Flink cluster')
            [CompletionResult]::new('fetch', 'fetch', [CompletionResultType]::ParameterValue, 'Read a job''s metrics from Prometheus (or Thanos, Mimir, VictoriaMetrics) into a metric CSV')
            [CompletionResult]::new('apply', 'apply', [CompletionResultType]::ParameterValue, 'Apply parallelism to a running job (adaptive scheduler)')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print the roff man page')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'planscale;plan' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('validate', 'validate', [CompletionResultType]::ParameterValue, 'Check plans against the job graph and a CU budget')
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Write the plan "acquire configuration" would write for a job graph')
            [CompletionResult]::new('break-chain', 'break-chain', [CompletionResultType]::ParameterValue, 'Make nodes start a new chain, editing only the bytes that record the cut')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show a plan''s vertices (chains), their resources and CU')
            [CompletionResult]::new('diff', 'diff', [CompletionResultType]::ParameterValue, 'What changed between two versions of a plan')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'planscale;plan;validate' {
            [CompletionResult]::new('--graph', '--graph', [CompletionResultType]::ParameterName, 'The job''s graph: execution plan / stream graph, or REST job plan / job details')
            [CompletionResult]::new('--max-cu', '--max-cu', [CompletionResultType]::ParameterName, 'Budget in CU (1 CU = 1 core + 4 GiB)')
            [CompletionResult]::new('--max-source-chain', '--max-source-chain', [CompletionResultType]::ParameterName, 'Warn when more than N operators are chained to a source')
            [CompletionResult]::new('--plan-format', '--plan-format', [CompletionResultType]::ParameterName, 'Read the plan as this format instead of detecting it')
            [CompletionResult]::new('--graph-format', '--graph-format', [CompletionResultType]::ParameterName, 'Read --graph as this format instead of detecting it')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'text: a table per run; json, sarif, github: for tools and CI annotations')
            [CompletionResult]::new('--deny-warnings', '--deny-warnings', [CompletionResultType]::ParameterName, 'Treat warnings as errors for the exit code')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'planscale;plan;init' {
            [CompletionResult]::new('--graph', '--graph', [CompletionResultType]::ParameterName, 'The job''s stream graph (execution plan or REST stream graph)')
            [CompletionResult]::new('--graph-format', '--graph-format', [CompletionResultType]::ParameterName, 'Read --graph as this format instead of detecting it')
            [CompletionResult]::new('--plan-format', '--plan-format', [CompletionResultType]::ParameterName, 'Plan format to write')
            [CompletionResult]::new('-D', '-D ', [CompletionResultType]::ParameterName, 'Set a default (see below); repeatable')
            [CompletionResult]::new('--define', '--define', [CompletionResultType]::ParameterName, 'Set a default (see below); repeatable')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write the plan to FILE (atomically) instead of stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write the plan to FILE (atomically) instead of stdout')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'planscale;plan;break-chain' {
            [CompletionResult]::new('--node', '--node', [CompletionResultType]::ParameterName, 'Make node ID start a new chain (repeatable)')
            [CompletionResult]::new('--new-group', '--new-group', [CompletionResultType]::ParameterName, 'Expert plans: move the --node into a new slot-sharing group NAME (groups never chain)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write the edited plan to FILE (atomically) instead of stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write the edited plan to FILE (atomically) instead of stdout')
            [CompletionResult]::new('--graph', '--graph', [CompletionResultType]::ParameterName, 'Check the edited plan against the job graph and report what still does not match')
            [CompletionResult]::new('--graph-format', '--graph-format', [CompletionResultType]::ParameterName, 'Read --graph as this format instead of detecting it')
            [CompletionResult]::new('--plan-format', '--plan-format', [CompletionResultType]::ParameterName, 'Read the plan as this format instead of detecting it')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'text: the edited plan (or diff) on stdout, a summary on stderr; json: a report on stdout')
            [CompletionResult]::new('--after-sources', '--after-sources', [CompletionResultType]::ParameterName, 'Cut every chain right after each source')
            [CompletionResult]::new('--in-place', '--in-place', [CompletionResultType]::ParameterName, 'Edit PLAN in place (atomically, keeping its permissions)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the unified diff of the change and write nothing')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'planscale;plan;show' {
            [CompletionResult]::new('--graph', '--graph', [CompletionResultType]::ParameterName, 'The job graph, to add the JobVertexID of each vertex where the graph knows it (refused when the graph is another job''s)')
            [CompletionResult]::new('--graph-format', '--graph-format', [CompletionResultType]::ParameterName, 'Read --graph as this format instead of detecting it')
            [CompletionResult]::new('--plan-format', '--plan-format', [CompletionResultType]::ParameterName, 'Read the plan as this format instead of detecting it')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'text: the node table and totals; json: the same as data')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'planscale;plan;diff' {
            [CompletionResult]::new('--plan-format', '--plan-format', [CompletionResultType]::ParameterName, 'Read the plan as this format instead of detecting it')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'text: a summary table and a unified diff of the files as written; json: the changes')
            [CompletionResult]::new('--exit-code', '--exit-code', [CompletionResultType]::ParameterName, 'Exit 1 when the plans differ in meaning (a node, link or value changed), as `git diff --exit-code` does; without it the exit code is 0 for any two readable plans')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'planscale;plan;help' {
            [CompletionResult]::new('validate', 'validate', [CompletionResultType]::ParameterValue, 'Check plans against the job graph and a CU budget')
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Write the plan "acquire configuration" would write for a job graph')
            [CompletionResult]::new('break-chain', 'break-chain', [CompletionResultType]::ParameterValue, 'Make nodes start a new chain, editing only the bytes that record the cut')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show a plan''s vertices (chains), their resources and CU')
            [CompletionResult]::new('diff', 'diff', [CompletionResultType]::ParameterValue, 'What changed between two versions of a plan')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'planscale;plan;help;validate' {
            break
        }
        'planscale;plan;help;init' {
            break
        }
        'planscale;plan;help;break-chain' {
            break
        }
        'planscale;plan;help;show' {
            break
        }
        'planscale;plan;help;diff' {
            break
        }
        'planscale;plan;help;help' {
            break
        }
        'planscale;config' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('validate', 'validate', [CompletionResultType]::ParameterValue, 'Lint autoscaler and parallelism settings of Flink configurations, FlinkDeployments, FlinkSessionJobs and the operator''s Helm values')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'planscale;config;validate' {
            [CompletionResult]::new('--graph', '--graph', [CompletionResultType]::ParameterName, 'The job''s graph (REST job details or job plan for JobVertexIDs; an execution plan for max parallelism only): checks vertex ids, max parallelism and quotas against it')
            [CompletionResult]::new('--graph-format', '--graph-format', [CompletionResultType]::ParameterName, 'Read --graph as this format instead of detecting it')
            [CompletionResult]::new('--flink-autoscaler-version', '--flink-autoscaler-version', [CompletionResultType]::ParameterName, 'Which release of the Flink Kubernetes operator''s autoscaler and validator to check against')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'text: findings and a table per document; json, sarif, github: for tools and CI annotations')
            [CompletionResult]::new('--deny-warnings', '--deny-warnings', [CompletionResultType]::ParameterName, 'Treat warnings as errors for the exit code')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'planscale;config;help' {
            [CompletionResult]::new('validate', 'validate', [CompletionResultType]::ParameterValue, 'Lint autoscaler and parallelism settings of Flink configurations, FlinkDeployments, FlinkSessionJobs and the operator''s Helm values')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'planscale;config;help;validate' {
            break
        }
        'planscale;config;help;help' {
            break
        }
        'planscale;recommend' {
            [CompletionResult]::new('--metrics', '--metrics', [CompletionResultType]::ParameterName, 'Metric CSV (long or wide, see docs/metrics.md); - reads stdin')
            [CompletionResult]::new('--prometheus', '--prometheus', [CompletionResultType]::ParameterName, 'Read the metrics from this Prometheus-compatible server instead (see planscale fetch)')
            [CompletionResult]::new('--job-name', '--job-name', [CompletionResultType]::ParameterName, 'The job by its name (the reporter''s job_name label) instead of its id')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'History up to now, e.g. 7d, 6h, 30min')
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'Start of the range: epoch ms or s, or RFC 3339 with an offset')
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'End of the range (default: now)')
            [CompletionResult]::new('--metric-prefix', '--metric-prefix', [CompletionResultType]::ParameterName, 'What the task metrics'' names start with, for series renamed by relabelling or recording rules')
            [CompletionResult]::new('--bearer-token-file', '--bearer-token-file', [CompletionResultType]::ParameterName, 'Bearer token, read from this file (default: $PLANSCALE_PROMETHEUS_TOKEN when set)')
            [CompletionResult]::new('--basic-auth-user', '--basic-auth-user', [CompletionResultType]::ParameterName, 'Basic auth as this user, the password from --basic-auth-password-file or $PLANSCALE_PROMETHEUS_PASSWORD')
            [CompletionResult]::new('--basic-auth-password-file', '--basic-auth-password-file', [CompletionResultType]::ParameterName, 'The basic-auth password, read from this file')
            [CompletionResult]::new('--ca-cert', '--ca-cert', [CompletionResultType]::ParameterName, 'PEM file of the CA(s) an https:// server''s certificate must chain to, instead of the public roots')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'An extra request header, e.g. ''X-Scope-OrgID: tenant-1'' for Mimir (repeatable; not Authorization)')
            [CompletionResult]::new('--prometheus-timeout', '--prometheus-timeout', [CompletionResultType]::ParameterName, 'Timeout of each request to the server')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'Tries after the first for 5xx and 429 answers, timeouts and broken connections (pauses of 0.5 s, 1 s, 2 s, ...)')
            [CompletionResult]::new('--step', '--step', [CompletionResultType]::ParameterName, 'With --prometheus: time between samples, the range query''s step (default 1m)')
            [CompletionResult]::new('--plan', '--plan', [CompletionResultType]::ParameterName, 'The job as a resource plan (Blink or expert): its vertices and what each subtask costs')
            [CompletionResult]::new('--graph', '--graph', [CompletionResultType]::ParameterName, 'The job graph (REST job details or job plan give real JobVertexIDs; or an execution plan)')
            [CompletionResult]::new('--plan-format', '--plan-format', [CompletionResultType]::ParameterName, 'Read --plan as this format instead of detecting it')
            [CompletionResult]::new('--graph-format', '--graph-format', [CompletionResultType]::ParameterName, 'Read --graph as this format instead of detecting it')
            [CompletionResult]::new('-D', '-D ', [CompletionResultType]::ParameterName, 'A Flink option as KEY=VALUE, repeatable; wins over --config. Values are read as Flink reads them: a duration without a unit is milliseconds')
            [CompletionResult]::new('--define', '--define', [CompletionResultType]::ParameterName, 'A Flink option as KEY=VALUE, repeatable; wins over --config. Values are read as Flink reads them: a duration without a unit is milliseconds')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Options from a Flink config.yaml (flat or nested), a flink-conf.yaml, a FlinkDeployment or FlinkSessionJob (spec.flinkConfiguration) or the operator''s Helm values')
            [CompletionResult]::new('--flink-autoscaler-version', '--flink-autoscaler-version', [CompletionResultType]::ParameterName, 'Which release of the Flink Kubernetes operator''s autoscaler to reproduce')
            [CompletionResult]::new('--expected-pending-time', '--expected-pending-time', [CompletionResultType]::ParameterName, 'The sources'' data pending time goal (e.g. 30s): used as the catch-up duration')
            [CompletionResult]::new('--max-cu', '--max-cu', [CompletionResultType]::ParameterName, 'CU ceiling: scale-ups that would take the job above it are held back, largest first')
            [CompletionResult]::new('--min-cu', '--min-cu', [CompletionResultType]::ParameterName, 'CU floor: scale-downs that would take the job below it are held back, largest first')
            [CompletionResult]::new('--at', '--at', [CompletionResultType]::ParameterName, 'End of the evaluated window: epoch ms or s, or RFC 3339')
            [CompletionResult]::new('--window', '--window', [CompletionResultType]::ParameterName, 'Length of the evaluated window (e.g. 10m)')
            [CompletionResult]::new('--job', '--job', [CompletionResultType]::ParameterName, 'The job to read when the CSV holds several, or to fetch (default: the graph''s own job id)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'What to print: the decision (text, json) or what to apply it with')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write the result to FILE (atomically) instead of stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write the result to FILE (atomically) instead of stdout')
            [CompletionResult]::new('--exact', '--exact', [CompletionResultType]::ParameterName, 'Only the autoscaler''s own decision: no planscale estimate of demand hidden by backpressure')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('batch', 'batch', [CompletionResultType]::ParameterValue, 'Per-vertex parallelism of a batch job, as Flink''s Adaptive Batch Scheduler derives it from the data each vertex consumes')
            break
        }
        'planscale;recommend;batch' {
            [CompletionResult]::new('-D', '-D ', [CompletionResultType]::ParameterName, 'A Flink option as KEY=VALUE, repeatable; wins over --config. Values are read as Flink reads them: a duration without a unit is milliseconds')
            [CompletionResult]::new('--define', '--define', [CompletionResultType]::ParameterName, 'A Flink option as KEY=VALUE, repeatable; wins over --config. Values are read as Flink reads them: a duration without a unit is milliseconds')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Options from a Flink config.yaml (flat or nested), a flink-conf.yaml, a FlinkDeployment or FlinkSessionJob (spec.flinkConfiguration) or the operator''s Helm values')
            [CompletionResult]::new('--scale-volume', '--scale-volume', [CompletionResultType]::ParameterName, 'What if the input grows by F: every consumed byte is multiplied by F (e.g. 1.5, 10, 0.5)')
            [CompletionResult]::new('--sweep-avg-data-volume', '--sweep-avg-data-volume', [CompletionResultType]::ParameterName, 'Decide again for each of these avg-data-volume-per-task values (e.g. 16mb,64mb,256mb)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'What to print')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write the result to FILE (atomically) instead of stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write the result to FILE (atomically) instead of stdout')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'planscale;simulate' {
            [CompletionResult]::new('--metrics', '--metrics', [CompletionResultType]::ParameterName, 'Metric CSV (long or wide)')
            [CompletionResult]::new('--prometheus', '--prometheus', [CompletionResultType]::ParameterName, 'Replay the job''s history from this Prometheus-compatible server instead (see planscale fetch)')
            [CompletionResult]::new('--job-name', '--job-name', [CompletionResultType]::ParameterName, 'The job by its name (the reporter''s job_name label) instead of its id')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'History up to now, e.g. 7d, 6h, 30min')
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'Start of the range: epoch ms or s, or RFC 3339 with an offset')
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'End of the range (default: now)')
            [CompletionResult]::new('--metric-prefix', '--metric-prefix', [CompletionResultType]::ParameterName, 'What the task metrics'' names start with, for series renamed by relabelling or recording rules')
            [CompletionResult]::new('--bearer-token-file', '--bearer-token-file', [CompletionResultType]::ParameterName, 'Bearer token, read from this file (default: $PLANSCALE_PROMETHEUS_TOKEN when set)')
            [CompletionResult]::new('--basic-auth-user', '--basic-auth-user', [CompletionResultType]::ParameterName, 'Basic auth as this user, the password from --basic-auth-password-file or $PLANSCALE_PROMETHEUS_PASSWORD')
            [CompletionResult]::new('--basic-auth-password-file', '--basic-auth-password-file', [CompletionResultType]::ParameterName, 'The basic-auth password, read from this file')
            [CompletionResult]::new('--ca-cert', '--ca-cert', [CompletionResultType]::ParameterName, 'PEM file of the CA(s) an https:// server''s certificate must chain to, instead of the public roots')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'An extra request header, e.g. ''X-Scope-OrgID: tenant-1'' for Mimir (repeatable; not Authorization)')
            [CompletionResult]::new('--prometheus-timeout', '--prometheus-timeout', [CompletionResultType]::ParameterName, 'Timeout of each request to the server')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'Tries after the first for 5xx and 429 answers, timeouts and broken connections (pauses of 0.5 s, 1 s, 2 s, ...)')
            [CompletionResult]::new('--plan', '--plan', [CompletionResultType]::ParameterName, 'The job as a resource plan (Blink or expert): its vertices and what each subtask costs')
            [CompletionResult]::new('--graph', '--graph', [CompletionResultType]::ParameterName, 'The job graph (REST job details or job plan give real JobVertexIDs; or an execution plan)')
            [CompletionResult]::new('--plan-format', '--plan-format', [CompletionResultType]::ParameterName, 'Read --plan as this format instead of detecting it')
            [CompletionResult]::new('--graph-format', '--graph-format', [CompletionResultType]::ParameterName, 'Read --graph as this format instead of detecting it')
            [CompletionResult]::new('--policy', '--policy', [CompletionResultType]::ParameterName, 'Policy file (repeatable); its name is the file stem')
            [CompletionResult]::new('-D', '-D ', [CompletionResultType]::ParameterName, 'A Flink option as KEY=VALUE, repeatable; wins over --config. Values are read as Flink reads them: a duration without a unit is milliseconds')
            [CompletionResult]::new('--define', '--define', [CompletionResultType]::ParameterName, 'A Flink option as KEY=VALUE, repeatable; wins over --config. Values are read as Flink reads them: a duration without a unit is milliseconds')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Options from a Flink config.yaml (flat or nested), a flink-conf.yaml, a FlinkDeployment or FlinkSessionJob (spec.flinkConfiguration) or the operator''s Helm values')
            [CompletionResult]::new('--flink-autoscaler-version', '--flink-autoscaler-version', [CompletionResultType]::ParameterName, 'Which release of the Flink Kubernetes operator''s autoscaler to reproduce')
            [CompletionResult]::new('--expected-pending-time', '--expected-pending-time', [CompletionResultType]::ParameterName, 'Data pending time goal: reported as seconds over it; AutoScale''s default goal')
            [CompletionResult]::new('--max-cu', '--max-cu', [CompletionResultType]::ParameterName, 'CU ceiling: the platform models'' budget where their policy sets none, and the Flink autoscaler''s quota (a rescale growing the job beyond it is not executed)')
            [CompletionResult]::new('--min-cu', '--min-cu', [CompletionResultType]::ParameterName, 'CU floor for the platform models without their own')
            [CompletionResult]::new('--interval', '--interval', [CompletionResultType]::ParameterName, 'How often the Flink autoscaler samples and decides (default 60s, the operator''s reconcile interval)')
            [CompletionResult]::new('--restart-time', '--restart-time', [CompletionResultType]::ParameterName, 'Downtime of one rescale (default job.autoscaler.restart.time)')
            [CompletionResult]::new('--step', '--step', [CompletionResultType]::ParameterName, 'Simulation step (default: the metrics'' own sample interval; with --prometheus, the query''s step, 1m)')
            [CompletionResult]::new('--learn-until', '--learn-until', [CompletionResultType]::ParameterName, 'Learn per-subtask capacity only from samples up to this time (to validate against what followed)')
            [CompletionResult]::new('--job', '--job', [CompletionResultType]::ParameterName, 'The job to read when the CSV holds several (default: the graph''s own job id)')
            [CompletionResult]::new('--plot', '--plot', [CompletionResultType]::ParameterName, 'Write a plot (.svg, or .png rasterised): demand vs capacity, parallelism, pending time')
            [CompletionResult]::new('--timeline', '--timeline', [CompletionResultType]::ParameterName, 'Write the per-step state as CSV')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'text: one row per policy; json: the summaries, events, settings and convergence')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'planscale;tune' {
            [CompletionResult]::new('--metrics', '--metrics', [CompletionResultType]::ParameterName, 'Metric CSV (long or wide)')
            [CompletionResult]::new('--prometheus', '--prometheus', [CompletionResultType]::ParameterName, 'Replay the job''s history from this Prometheus-compatible server instead (see planscale fetch)')
            [CompletionResult]::new('--job-name', '--job-name', [CompletionResultType]::ParameterName, 'The job by its name (the reporter''s job_name label) instead of its id')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'History up to now, e.g. 7d, 6h, 30min')
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'Start of the range: epoch ms or s, or RFC 3339 with an offset')
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'End of the range (default: now)')
            [CompletionResult]::new('--metric-prefix', '--metric-prefix', [CompletionResultType]::ParameterName, 'What the task metrics'' names start with, for series renamed by relabelling or recording rules')
            [CompletionResult]::new('--bearer-token-file', '--bearer-token-file', [CompletionResultType]::ParameterName, 'Bearer token, read from this file (default: $PLANSCALE_PROMETHEUS_TOKEN when set)')
            [CompletionResult]::new('--basic-auth-user', '--basic-auth-user', [CompletionResultType]::ParameterName, 'Basic auth as this user, the password from --basic-auth-password-file or $PLANSCALE_PROMETHEUS_PASSWORD')
            [CompletionResult]::new('--basic-auth-password-file', '--basic-auth-password-file', [CompletionResultType]::ParameterName, 'The basic-auth password, read from this file')
            [CompletionResult]::new('--ca-cert', '--ca-cert', [CompletionResultType]::ParameterName, 'PEM file of the CA(s) an https:// server''s certificate must chain to, instead of the public roots')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'An extra request header, e.g. ''X-Scope-OrgID: tenant-1'' for Mimir (repeatable; not Authorization)')
            [CompletionResult]::new('--prometheus-timeout', '--prometheus-timeout', [CompletionResultType]::ParameterName, 'Timeout of each request to the server')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'Tries after the first for 5xx and 429 answers, timeouts and broken connections (pauses of 0.5 s, 1 s, 2 s, ...)')
            [CompletionResult]::new('--plan', '--plan', [CompletionResultType]::ParameterName, 'The job as a resource plan (Blink or expert): its vertices and what each subtask costs')
            [CompletionResult]::new('--graph', '--graph', [CompletionResultType]::ParameterName, 'The job graph (REST job details or job plan give real JobVertexIDs; or an execution plan)')
            [CompletionResult]::new('--plan-format', '--plan-format', [CompletionResultType]::ParameterName, 'Read --plan as this format instead of detecting it')
            [CompletionResult]::new('--graph-format', '--graph-format', [CompletionResultType]::ParameterName, 'Read --graph as this format instead of detecting it')
            [CompletionResult]::new('-D', '-D ', [CompletionResultType]::ParameterName, 'A Flink option as KEY=VALUE, repeatable; wins over --config. Values are read as Flink reads them: a duration without a unit is milliseconds')
            [CompletionResult]::new('--define', '--define', [CompletionResultType]::ParameterName, 'A Flink option as KEY=VALUE, repeatable; wins over --config. Values are read as Flink reads them: a duration without a unit is milliseconds')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Options from a Flink config.yaml (flat or nested), a flink-conf.yaml, a FlinkDeployment or FlinkSessionJob (spec.flinkConfiguration) or the operator''s Helm values')
            [CompletionResult]::new('--flink-autoscaler-version', '--flink-autoscaler-version', [CompletionResultType]::ParameterName, 'Which release of the Flink Kubernetes operator''s autoscaler to reproduce')
            [CompletionResult]::new('--pending-p95', '--pending-p95', [CompletionResultType]::ParameterName, 'Target for the 95th percentile of data pending time')
            [CompletionResult]::new('--max-rescales-per-day', '--max-rescales-per-day', [CompletionResultType]::ParameterName, 'Most rescales per day a candidate may make')
            [CompletionResult]::new('--space', '--space', [CompletionResultType]::ParameterName, 'Search space (YAML: option → list of values, or {min, max, steps})')
            [CompletionResult]::new('--budget', '--budget', [CompletionResultType]::ParameterName, 'Most settings candidates replayed (the defaults and the current settings included)')
            [CompletionResult]::new('--periods', '--periods', [CompletionResultType]::ParameterName, 'Most periods of the schedule (1..=20); implies --schedule')
            [CompletionResult]::new('--interval', '--interval', [CompletionResultType]::ParameterName, 'How often the Flink autoscaler samples and decides (default 60s)')
            [CompletionResult]::new('--restart-time', '--restart-time', [CompletionResultType]::ParameterName, 'Downtime of one rescale (default job.autoscaler.restart.time, else measured)')
            [CompletionResult]::new('--step', '--step', [CompletionResultType]::ParameterName, 'Simulation step (default: the metrics'' own sample interval)')
            [CompletionResult]::new('--job', '--job', [CompletionResultType]::ParameterName, 'The job to read when the CSV holds several (default: the graph''s own job id)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write the chosen settings as a Flink config.yaml fragment')
            [CompletionResult]::new('--write-config', '--write-config', [CompletionResultType]::ParameterName, 'Write the chosen settings as a Flink config.yaml fragment')
            [CompletionResult]::new('--write-patch', '--write-patch', [CompletionResultType]::ParameterName, 'Write the chosen settings as a merge patch of the FlinkDeployment given with --config')
            [CompletionResult]::new('--write-policy', '--write-policy', [CompletionResultType]::ParameterName, 'Write the chosen settings as a simulate policy file')
            [CompletionResult]::new('--write-schedule', '--write-schedule', [CompletionResultType]::ParameterName, 'Write the chosen schedule as a simulate policy file (kind scheduled)')
            [CompletionResult]::new('--plot', '--plot', [CompletionResultType]::ParameterName, 'Write a plot (.svg or .png): the front, and the chosen policy''s timeline beside the defaults''')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'text: the front, the choice and how sure; json: the same as data')
            [CompletionResult]::new('--schedule', '--schedule', [CompletionResultType]::ParameterName, 'Also derive a daily schedule (time-of-day periods) and compare it')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'planscale;record' {
            [CompletionResult]::new('--rest', '--rest', [CompletionResultType]::ParameterName, 'The cluster''s REST endpoint, e.g. http://127.0.0.1:8081')
            [CompletionResult]::new('--job', '--job', [CompletionResultType]::ParameterName, 'A job to record (repeatable)')
            [CompletionResult]::new('--interval', '--interval', [CompletionResultType]::ParameterName, 'Time between polls (Flink refreshes REST metrics every metrics.fetcher.update-interval, 10 s by default)')
            [CompletionResult]::new('--duration', '--duration', [CompletionResultType]::ParameterName, 'Stop after this long (default: until Ctrl-C or the jobs end)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'The metric CSV to write')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'The metric CSV to write')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Timeout of each REST request')
            [CompletionResult]::new('--ca-cert', '--ca-cert', [CompletionResultType]::ParameterName, 'Trust only the CA certificates in this PEM file for an https:// --rest (a private CA, as curl''s --cacert)')
            [CompletionResult]::new('--all-running', '--all-running', [CompletionResultType]::ParameterName, 'Record every job that is RUNNING now')
            [CompletionResult]::new('--append', '--append', [CompletionResultType]::ParameterName, 'Add to an existing CSV of the same header instead of replacing it')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'planscale;fetch' {
            [CompletionResult]::new('--prometheus', '--prometheus', [CompletionResultType]::ParameterName, 'The server: the URL before /api/v1, e.g. http://127.0.0.1:9090')
            [CompletionResult]::new('--job', '--job', [CompletionResultType]::ParameterName, 'The job by its id (the reporter''s job_id label)')
            [CompletionResult]::new('--step', '--step', [CompletionResultType]::ParameterName, 'Time between rows: the range query''s step (rows fall on its multiples)')
            [CompletionResult]::new('--job-name', '--job-name', [CompletionResultType]::ParameterName, 'The job by its name (the reporter''s job_name label) instead of its id')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'History up to now, e.g. 7d, 6h, 30min')
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'Start of the range: epoch ms or s, or RFC 3339 with an offset')
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'End of the range (default: now)')
            [CompletionResult]::new('--metric-prefix', '--metric-prefix', [CompletionResultType]::ParameterName, 'What the task metrics'' names start with, for series renamed by relabelling or recording rules')
            [CompletionResult]::new('--bearer-token-file', '--bearer-token-file', [CompletionResultType]::ParameterName, 'Bearer token, read from this file (default: $PLANSCALE_PROMETHEUS_TOKEN when set)')
            [CompletionResult]::new('--basic-auth-user', '--basic-auth-user', [CompletionResultType]::ParameterName, 'Basic auth as this user, the password from --basic-auth-password-file or $PLANSCALE_PROMETHEUS_PASSWORD')
            [CompletionResult]::new('--basic-auth-password-file', '--basic-auth-password-file', [CompletionResultType]::ParameterName, 'The basic-auth password, read from this file')
            [CompletionResult]::new('--ca-cert', '--ca-cert', [CompletionResultType]::ParameterName, 'PEM file of the CA(s) an https:// server''s certificate must chain to, instead of the public roots')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'An extra request header, e.g. ''X-Scope-OrgID: tenant-1'' for Mimir (repeatable; not Authorization)')
            [CompletionResult]::new('--prometheus-timeout', '--prometheus-timeout', [CompletionResultType]::ParameterName, 'Timeout of each request to the server')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'Tries after the first for 5xx and 429 answers, timeouts and broken connections (pauses of 0.5 s, 1 s, 2 s, ...)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'The CSV to write; - is stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'The CSV to write; - is stdout')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'planscale;apply' {
            [CompletionResult]::new('--rest', '--rest', [CompletionResultType]::ParameterName, 'The cluster''s REST endpoint, e.g. http://127.0.0.1:8081 (not needed for --dry-run with --recommendation, which then prints the request without checking it against the job)')
            [CompletionResult]::new('--job', '--job', [CompletionResultType]::ParameterName, 'The running job to rescale')
            [CompletionResult]::new('--recommendation', '--recommendation', [CompletionResultType]::ParameterName, '`planscale recommend --format json` output (vertices[].id, recommended_parallelism)')
            [CompletionResult]::new('--parallelism', '--parallelism', [CompletionResultType]::ParameterName, 'A vertex''s new parallelism (repeatable)')
            [CompletionResult]::new('--wait-timeout', '--wait-timeout', [CompletionResultType]::ParameterName, 'How long --wait waits')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Timeout of each REST request')
            [CompletionResult]::new('--ca-cert', '--ca-cert', [CompletionResultType]::ParameterName, 'Trust only the CA certificates in this PEM file for an https:// --rest (a private CA, as curl''s --cacert)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'text: the changes and the wait as they happen; json: one document at the end')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the request and send nothing')
            [CompletionResult]::new('--wait', '--wait', [CompletionResultType]::ParameterName, 'Follow the job until it runs at the new parallelism')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'planscale;completions' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'planscale;man' {
            [CompletionResult]::new('--out-dir', '--out-dir', [CompletionResultType]::ParameterName, 'Write every page (planscale.1 and one per subcommand) into DIR instead of printing the main page')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'planscale;help' {
            [CompletionResult]::new('plan', 'plan', [CompletionResultType]::ParameterValue, 'Work with resource plans (Blink PlanJSON, expert resourcePlan)')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Check Flink configurations, FlinkDeployments and Helm values (autoscaler, parallelism)')
            [CompletionResult]::new('recommend', 'recommend', [CompletionResultType]::ParameterValue, 'Per-vertex parallelism from recorded metrics, as the Flink autoscaler would decide (`recommend batch`: as the Adaptive Batch Scheduler would size a batch job)')
            [CompletionResult]::new('simulate', 'simulate', [CompletionResultType]::ParameterValue, 'Replay recorded traffic through scaling policies')
            [CompletionResult]::new('tune', 'tune', [CompletionResultType]::ParameterValue, 'Search autoscaler settings and a daily schedule that cost least on a recording''s traffic')
            [CompletionResult]::new('record', 'record', [CompletionResultType]::ParameterValue, 'Record metrics and the job plan from a running Flink cluster')
            [CompletionResult]::new('fetch', 'fetch', [CompletionResultType]::ParameterValue, 'Read a job''s metrics from Prometheus (or Thanos, Mimir, VictoriaMetrics) into a metric CSV')
            [CompletionResult]::new('apply', 'apply', [CompletionResultType]::ParameterValue, 'Apply parallelism to a running job (adaptive scheduler)')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print the roff man page')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'planscale;help;plan' {
            [CompletionResult]::new('validate', 'validate', [CompletionResultType]::ParameterValue, 'Check plans against the job graph and a CU budget')
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Write the plan "acquire configuration" would write for a job graph')
            [CompletionResult]::new('break-chain', 'break-chain', [CompletionResultType]::ParameterValue, 'Make nodes start a new chain, editing only the bytes that record the cut')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show a plan''s vertices (chains), their resources and CU')
            [CompletionResult]::new('diff', 'diff', [CompletionResultType]::ParameterValue, 'What changed between two versions of a plan')
            break
        }
        'planscale;help;plan;validate' {
            break
        }
        'planscale;help;plan;init' {
            break
        }
        'planscale;help;plan;break-chain' {
            break
        }
        'planscale;help;plan;show' {
            break
        }
        'planscale;help;plan;diff' {
            break
        }
        'planscale;help;config' {
            [CompletionResult]::new('validate', 'validate', [CompletionResultType]::ParameterValue, 'Lint autoscaler and parallelism settings of Flink configurations, FlinkDeployments, FlinkSessionJobs and the operator''s Helm values')
            break
        }
        'planscale;help;config;validate' {
            break
        }
        'planscale;help;recommend' {
            [CompletionResult]::new('batch', 'batch', [CompletionResultType]::ParameterValue, 'Per-vertex parallelism of a batch job, as Flink''s Adaptive Batch Scheduler derives it from the data each vertex consumes')
            break
        }
        'planscale;help;recommend;batch' {
            break
        }
        'planscale;help;simulate' {
            break
        }
        'planscale;help;tune' {
            break
        }
        'planscale;help;record' {
            break
        }
        'planscale;help;fetch' {
            break
        }
        'planscale;help;apply' {
            break
        }
        'planscale;help;completions' {
            break
        }
        'planscale;help;man' {
            break
        }
        'planscale;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
