/* cirrus — the `rds` model: an RDS or Aurora database, a primary and up to
 * 15 read replicas, each a station of workers; asynchronous replication
 * with a lag, max_connections, RDS Proxy, Multi-AZ failover
 * (docs/models/rds.md). */
#ifndef CIRRUS_MODEL_RDS_H
#define CIRRUS_MODEL_RDS_H

#include "sim/kernel/model.h"

extern const CirrusModelType cirrus_rds_type;

#endif
