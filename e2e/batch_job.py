"""The job of planscale's batch end-to-end test (e2e/batch.sh): a SQL batch job whose vertices
the Adaptive Batch Scheduler sizes from the data they consume.

    orders   (datagen, E2E_ORDERS rows)   -+
                                           +-> HASH join on id -> join -> HASH GROUP BY bucket -> blackhole
    payments (datagen, E2E_PAYMENTS rows) -+
    regions  (datagen, 64 rows)          --> second join, small enough for Flink to broadcast it

Every field is a fixed-width sequence or derived from one, so the bytes each vertex writes are
the same on every run: the parallelisms Flink chooses are reproducible. No parallelism is set
anywhere in the job; the scheduler decides them all.

Submitted by e2e/batch.sh with `flink run -py`.
"""
import os

from pyflink.table import EnvironmentSettings, TableEnvironment

ORDERS = int(os.environ.get("E2E_ORDERS", "600000"))
PAYMENTS = int(os.environ.get("E2E_PAYMENTS", "200000"))
BUCKETS = int(os.environ.get("E2E_BUCKETS", "10000"))

tables = TableEnvironment.create(EnvironmentSettings.in_batch_mode())
conf = tables.get_config()
conf.set("pipeline.name", "planscale_e2e_batch")
# A one-phase aggregate: the GROUP BY vertex consumes the join's whole output, so its
# parallelism follows a real volume instead of a handful of pre-aggregated rows.
conf.set("table.optimizer.agg-phase-strategy", "ONE_PHASE")


def sequence_table(name, rows, extra=""):
    tables.execute_sql(f"""
CREATE TABLE {name} (
  id BIGINT,
  amount BIGINT{extra}
) WITH (
  'connector' = 'datagen',
  'number-of-rows' = '{rows}',
  'fields.id.kind' = 'sequence',
  'fields.id.start' = '1',
  'fields.id.end' = '{rows}',
  'fields.amount.kind' = 'sequence',
  'fields.amount.start' = '1',
  'fields.amount.end' = '{rows}'
)""")


sequence_table("orders", ORDERS)
sequence_table("payments", PAYMENTS)
sequence_table("regions", 64)
tables.execute_sql("""
CREATE TABLE totals (
  bucket BIGINT,
  orders BIGINT,
  paid BIGINT,
  region BIGINT
) WITH ('connector' = 'blackhole')""")

# 10000 buckets hash evenly over the aggregate's subpartitions; a few (E2E_BUCKETS=64) do not.
tables.execute_sql(f"""
INSERT INTO totals
SELECT o.id % {BUCKETS} AS bucket, COUNT(*) AS orders, SUM(p.amount) AS paid, MAX(r.amount) AS region
FROM orders o
JOIN payments p ON o.id = p.id
JOIN regions r ON o.id % 64 + 1 = r.id
GROUP BY o.id % {BUCKETS}
""").wait()
