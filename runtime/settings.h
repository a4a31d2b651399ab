/*
 * settings.h - the state settings a program's tables carry (aslrt.h,
 * aslrt_setting_def), one X-macro list: X(key, name in the IR's text).  The
 * lowering (compiler/lower.c), the IR's printer (codegen/ir.c) and the
 * executor (runtime/exec.h, RS_*) include it, so the numbering cannot drift.
 * Each names a constant of the program; its kind is noted.
 */
X(RESOURCE, "Resource")				  /* str */
X(ITEMS_PATH, "ItemsPath")			  /* path */
X(ITEM_SELECTOR, "ItemSelector")		  /* jsonata (a JSONPath one is ops: IrState.sel) */
X(ITEMS, "Items")				  /* jsonata */
X(SECONDS, "Seconds")				  /* json, jsonata */
X(TIMESTAMP, "Timestamp")			  /* json, jsonata */
X(SECONDS_PATH, "SecondsPath")			  /* path */
X(TIMESTAMP_PATH, "TimestampPath")		  /* path */
X(ERROR, "Error")				  /* json, jsonata */
X(CAUSE, "Cause")				  /* json, jsonata */
X(ERROR_PATH, "ErrorPath")			  /* expr */
X(CAUSE_PATH, "CausePath")			  /* expr */
X(MAX_CONCURRENCY, "MaxConcurrency")		  /* json */
X(MAX_CONCURRENCY_PATH, "MaxConcurrencyPath")	  /* str: a path read per entry */
X(TOL_COUNT, "ToleratedFailureCount")		  /* json */
X(TOL_COUNT_PATH, "ToleratedFailureCountPath")	  /* str */
X(TOL_PCT, "ToleratedFailurePercentage")	  /* json */
X(TOL_PCT_PATH, "ToleratedFailurePercentagePath") /* str */
X(TIMEOUT, "TimeoutSeconds")			  /* json, jsonata */
X(TIMEOUT_PATH, "TimeoutSecondsPath")		  /* str */
X(HEARTBEAT, "HeartbeatSeconds")		  /* json, jsonata */
X(HEARTBEAT_PATH, "HeartbeatSecondsPath")	  /* str */
X(DISTRIBUTED, "Distributed")			  /* json true: ProcessorConfig Mode DISTRIBUTED */
X(MAP_RUN, "MapRun") /* json: a Distributed Map's ItemReader, ItemBatcher, ResultWriter, Label */
