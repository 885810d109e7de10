/* cirrus — the `rds` model's engines and DB instance classes (see
 * rds-private.h, docs/models/rds.md).
 *
 * Sources (docs/models/rds.md, references):
 * - vCPUs and memory: AWS, "Hardware specifications for DB instance
 *   classes" (Amazon RDS User Guide, Concepts.DBInstanceClass).
 * - max_connections: the default parameter groups' formulas, MySQL
 *   {DBInstanceClassMemory/12582880}, PostgreSQL
 *   LEAST({DBInstanceClassMemory/9531392},5000) (Amazon RDS User Guide,
 *   "Maximum number of database connections"; AWS Prescriptive Guidance,
 *   "Tuning PostgreSQL parameters: max_connections"), and Aurora MySQL's
 *   table per class (Aurora User Guide, "Maximum connections to an Aurora
 *   MySQL DB instance": db.t3.medium 90, db.t3.large 135, db.r5.large
 *   1,000, db.r5.xlarge 2,000, db.r5.2xlarge 3,000, db.r5.4xlarge 4,000,
 *   db.r6g.large 1,000 ...).
 * - failover: "Failover times are typically 60-120 seconds" (RDS User
 *   Guide, "Failing over a Multi-AZ DB instance"); Aurora with a replica:
 *   "failover typically completes within 30 seconds", without one Aurora
 *   creates a new instance, "typically in under 10 minutes" (Amazon Aurora
 *   FAQs, "High availability and replication"). */
#include "models/rds/rds-private.h"
#include <string.h>

const char *const rds_engine_names[] = {"mysql", "postgres", "aurora-mysql", "aurora-postgresql", NULL};

#define GIB_BYTES 1073741824.0

/* name, vCPUs, GiB, Aurora MySQL's max_connections (0: not an Aurora class) */
const RdsClass rds_classes[] = {
    {"db.t3.micro", 2, 1, 0},      {"db.t3.small", 2, 2, 0},
    {"db.t3.medium", 2, 4, 90},    {"db.t3.large", 2, 8, 135},
    {"db.t4g.micro", 2, 1, 0},     {"db.t4g.small", 2, 2, 0},
    {"db.t4g.medium", 2, 4, 90},   {"db.t4g.large", 2, 8, 135},
    {"db.m5.large", 2, 8, 0},      {"db.m5.xlarge", 4, 16, 0},
    {"db.m5.2xlarge", 8, 32, 0},   {"db.m5.4xlarge", 16, 64, 0},
    {"db.m6g.large", 2, 8, 0},     {"db.m6g.xlarge", 4, 16, 0},
    {"db.m6g.2xlarge", 8, 32, 0},  {"db.m6g.4xlarge", 16, 64, 0},
    {"db.m7g.large", 2, 8, 0},     {"db.m7g.xlarge", 4, 16, 0},
    {"db.m7g.2xlarge", 8, 32, 0},  {"db.m7g.4xlarge", 16, 64, 0},
    {"db.r5.large", 2, 16, 1000},  {"db.r5.xlarge", 4, 32, 2000},
    {"db.r5.2xlarge", 8, 64, 3000}, {"db.r5.4xlarge", 16, 128, 4000},
    {"db.r6g.large", 2, 16, 1000}, {"db.r6g.xlarge", 4, 32, 2000},
    {"db.r6g.2xlarge", 8, 64, 3000}, {"db.r6g.4xlarge", 16, 128, 4000},
    {"db.r7g.large", 2, 16, 1000}, {"db.r7g.xlarge", 4, 32, 2000},
    {"db.r7g.2xlarge", 8, 64, 3000}, {"db.r7g.4xlarge", 16, 128, 4000},
    {NULL, 0, 0, 0},
};

const char *const rds_class_names[] = {
    "db.t3.micro", "db.t3.small", "db.t3.medium", "db.t3.large",
    "db.t4g.micro", "db.t4g.small", "db.t4g.medium", "db.t4g.large",
    "db.m5.large", "db.m5.xlarge", "db.m5.2xlarge", "db.m5.4xlarge",
    "db.m6g.large", "db.m6g.xlarge", "db.m6g.2xlarge", "db.m6g.4xlarge",
    "db.m7g.large", "db.m7g.xlarge", "db.m7g.2xlarge", "db.m7g.4xlarge",
    "db.r5.large", "db.r5.xlarge", "db.r5.2xlarge", "db.r5.4xlarge",
    "db.r6g.large", "db.r6g.xlarge", "db.r6g.2xlarge", "db.r6g.4xlarge",
    "db.r7g.large", "db.r7g.xlarge", "db.r7g.2xlarge", "db.r7g.4xlarge",
    NULL,
};

G_STATIC_ASSERT(G_N_ELEMENTS(rds_classes) == G_N_ELEMENTS(rds_class_names));

const RdsClass *rds_class_find(const char *name)
{
    for (guint i = 0; rds_classes[i].name; i++)
        if (strcmp(rds_classes[i].name, name) == 0) return &rds_classes[i];
    return NULL;
}

gboolean rds_class_offered(const RdsClass *c, RdsEngine engine)
{
    /* Aurora's classes: the burstable medium and large, the memory
     * optimised db.r; the db.t micro/small and the db.m classes are RDS's
     * only.  Aurora PostgreSQL offers the same set (Aurora User Guide,
     * "Supported DB engines for DB instance classes"). */
    return !rds_engine_aurora(engine) || c->aurora_mysql_connections > 0;
}

gint64 rds_default_max_connections(const RdsClass *c, RdsEngine engine)
{
    double memory = c->gib * GIB_BYTES;   /* DBInstanceClassMemory, nominal */
    switch (engine) {
    case RDS_MYSQL: return (gint64)(memory / 12582880.0);
    case RDS_POSTGRES:
    case RDS_AURORA_POSTGRES: return MIN((gint64)(memory / 9531392.0), 5000);
    case RDS_AURORA_MYSQL: return c->aurora_mysql_connections;
    case RDS_N_ENGINES: break;
    }
    g_assert_not_reached();
    return 0;
}

char *rds_price_key(const RdsClass *c, RdsEngine engine)
{
    /* Aurora MySQL and Aurora PostgreSQL share instance prices (Aurora
     * Standard); RDS for MySQL and for PostgreSQL differ slightly. */
    const char *family = rds_engine_aurora(engine) ? "aurora" : engine == RDS_MYSQL ? "mysql" : "postgres";
    return g_strdup_printf("rds.%s.%s.hour", family, c->name);
}

RdsRecovery rds_recovery(RdsEngine engine, gboolean multi_az, gint64 replicas)
{
    /* Aurora promotes a replica when it has one (its Multi-AZ is a replica
     * in another zone).  RDS for MySQL and PostgreSQL fail over only to a
     * Multi-AZ standby: a read replica is never promoted automatically
     * (promotion is a manual operation, "Promoting a read replica"). */
    if (rds_engine_aurora(engine)) return replicas > 0 ? RDS_RECOVER_AURORA : RDS_RECOVER_REPLACE;
    return multi_az ? RDS_RECOVER_MULTI_AZ : RDS_RECOVER_REPLACE;
}

void rds_recovery_range(RdsRecovery r, RdsEngine engine, CirrusTime *lo, CirrusTime *hi)
{
    switch (r) {
    case RDS_RECOVER_MULTI_AZ:   /* "typically 60-120 seconds" */
        *lo = 60 * CIRRUS_SEC, *hi = 120 * CIRRUS_SEC;
        return;
    case RDS_RECOVER_AURORA:     /* "typically completes within 30 seconds" */
        *lo = 15 * CIRRUS_SEC, *hi = 30 * CIRRUS_SEC;
        return;
    case RDS_RECOVER_REPLACE:
        /* Aurora: a new instance "typically in under 10 minutes"; RDS
         * Single-AZ: the host is replaced, about 10 minutes (DESIGN.md §7;
         * AWS gives no figure). */
        if (rds_engine_aurora(engine)) *lo = 5 * CIRRUS_MIN, *hi = 10 * CIRRUS_MIN;
        else *lo = 8 * CIRRUS_MIN, *hi = 12 * CIRRUS_MIN;
        return;
    }
    g_assert_not_reached();
}
