-- 0024: the rollup tables per shape and grain, emptied of use by 0023 (whose
-- tables per shape hold every row they held, and whose views now feed the
-- rollups), are dropped. A separate file so that 0023 can run again from its
-- first statement after a stop part-way: its fills read these tables.

DROP TABLE IF EXISTS {{database}}.usage_rollup_15m {{on_cluster}} SYNC;

DROP TABLE IF EXISTS {{database}}.usage_rollup_hourly {{on_cluster}} SYNC;

DROP TABLE IF EXISTS {{database}}.usage_rollup_daily {{on_cluster}} SYNC;

DROP TABLE IF EXISTS {{database}}.usage_rollup_model_15m {{on_cluster}} SYNC;

DROP TABLE IF EXISTS {{database}}.usage_rollup_model_hourly {{on_cluster}} SYNC;

DROP TABLE IF EXISTS {{database}}.usage_rollup_model_daily {{on_cluster}} SYNC;

DROP TABLE IF EXISTS {{database}}.usage_rollup_agent_hourly {{on_cluster}} SYNC;

DROP TABLE IF EXISTS {{database}}.usage_rollup_agent_daily {{on_cluster}} SYNC;

DROP TABLE IF EXISTS {{database}}.usage_rollup_user_daily {{on_cluster}} SYNC;

DROP TABLE IF EXISTS {{database}}.usage_rollup_model_all_15m {{on_cluster}} SYNC;

DROP TABLE IF EXISTS {{database}}.usage_rollup_model_all_hourly {{on_cluster}} SYNC;

DROP TABLE IF EXISTS {{database}}.usage_rollup_model_all_daily {{on_cluster}} SYNC;
