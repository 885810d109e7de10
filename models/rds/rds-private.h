/* cirrus — the `rds` model's insides, shared by rds.c (the cluster:
 * configuration, requests, replication, faults, cost) and rds_classes.c
 * (the engines and DB instance classes: vCPUs, memory, the default
 * max_connections, failover times).  Not for other models: they talk to a
 * database only through requests (models/protocol/invoke.h). */
#ifndef CIRRUS_MODEL_RDS_PRIVATE_H
#define CIRRUS_MODEL_RDS_PRIVATE_H

#include "models/rds/rds.h"
#include "sim/kernel/clock.h"
#include <glib.h>

typedef enum {
    RDS_MYSQL,
    RDS_POSTGRES,
    RDS_AURORA_MYSQL,
    RDS_AURORA_POSTGRES,
    RDS_N_ENGINES,
} RdsEngine;

/* "mysql", "postgres", "aurora-mysql", "aurora-postgresql", NULL. */
extern const char *const rds_engine_names[];

static inline gboolean rds_engine_aurora(RdsEngine e) { return e == RDS_AURORA_MYSQL || e == RDS_AURORA_POSTGRES; }

/* One DB instance class (AWS: "Hardware specifications for DB instance
 * classes"): vCPUs and memory in GiB. */
typedef struct {
    const char *name;        /* "db.r6g.large" */
    gint        vcpus;
    gint        gib;
    /* Aurora MySQL's default max_connections for the class (AWS's table);
     * 0: Aurora does not offer the class. */
    gint        aurora_mysql_connections;
} RdsClass;

/* The classes cirrus knows, NULL-terminated names in the same order. */
extern const RdsClass rds_classes[];
extern const char *const rds_class_names[];

/* The class named `name`, or NULL. */
const RdsClass *rds_class_find(const char *name);
/* Whether `engine` runs on class `c` (Aurora: db.t3/db.t4g medium and
 * large, the db.r classes; RDS: all of the table). */
gboolean rds_class_offered(const RdsClass *c, RdsEngine engine);
/* The default max_connections of the default parameter group:
 *   MySQL              {DBInstanceClassMemory/12582880}
 *   PostgreSQL, Aurora PostgreSQL  LEAST({DBInstanceClassMemory/9531392}, 5000)
 *   Aurora MySQL       AWS's table per class
 * with DBInstanceClassMemory the class's nominal memory in bytes. */
gint64 rds_default_max_connections(const RdsClass *c, RdsEngine engine);
/* The price key of an instance-hour of `c` under `engine`:
 * "rds.mysql.db.r6g.large.hour" (g_free it). */
char *rds_price_key(const RdsClass *c, RdsEngine engine);

/* How the writer comes back after an instance failure. */
typedef enum {
    RDS_RECOVER_MULTI_AZ,     /* RDS Multi-AZ DB instance: the standby takes over */
    RDS_RECOVER_AURORA,       /* Aurora: a replica is promoted */
    RDS_RECOVER_REPLACE,      /* neither: a new instance replaces the failed one */
} RdsRecovery;

RdsRecovery rds_recovery(RdsEngine engine, gboolean multi_az, gint64 replicas);
/* The range a recovery's duration is drawn from, uniformly. */
void rds_recovery_range(RdsRecovery r, RdsEngine engine, CirrusTime *lo, CirrusTime *hi);

#endif
