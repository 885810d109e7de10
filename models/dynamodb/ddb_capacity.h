/* cirrus — DynamoDB's capacity arithmetic: what one request costs, in
 * read and write capacity units, exactly as AWS bills it
 * (docs/models/dynamodb.md#capacity; the seed's DynamoDB section).
 *
 *   write of an item of s bytes        ceil(s / 1 KB) WCU
 *   strongly consistent read           ceil(s / 4 KB) RCU
 *   eventually consistent read         half of that
 *   transactional read or write        twice the strongly consistent / standard cost
 *   Query, Scan                        ceil(total bytes read / 4 KB), halved when
 *                                      eventually consistent (items are not
 *                                      rounded one by one; pages of at most 1 MB)
 *   BatchGetItem, BatchWriteItem       each item as its single operation
 *
 * Limits: an item is at most 400 KB; BatchGetItem at most 100 items and
 * 16 MB; BatchWriteItem 25 items and 16 MB; TransactGetItems and
 * TransactWriteItems 100 items and 4 MB. */
#ifndef CIRRUS_DDB_CAPACITY_H
#define CIRRUS_DDB_CAPACITY_H

#include <glib.h>

typedef enum {
    DDB_GET_ITEM, DDB_PUT_ITEM, DDB_UPDATE_ITEM, DDB_DELETE_ITEM, DDB_QUERY, DDB_SCAN,
    DDB_BATCH_GET_ITEM, DDB_BATCH_WRITE_ITEM, DDB_TRANSACT_GET_ITEMS, DDB_TRANSACT_WRITE_ITEMS,
    DDB_N_OPS
} DdbOp;

/* The operation names, in DdbOp order, NULL-terminated (the invoke
 * protocol's operations list). */
extern const char *const ddb_op_names[];

#define DDB_KB 1024
#define DDB_MAX_ITEM (400 * DDB_KB)
#define DDB_PAGE (1024 * DDB_KB)

gboolean ddb_op_writes(DdbOp op);
/* Operations whose `items` are separate items, each with its own key (a
 * batch or a transaction); Query and Scan read many items of one key. */
gboolean ddb_op_per_item(DdbOp op);
/* The most items one request of `op` may carry (1 for single-item
 * operations; Query and Scan: no limit, G_MAXUINT). */
guint    ddb_op_max_items(DdbOp op);
/* The most bytes one request of `op` may carry in all; 0: no limit. */
gint64   ddb_op_max_bytes(DdbOp op);

/* Capacity units one item (or, for Query and Scan, all `items` items) of
 * `size` bytes costs: RCU for reads, WCU for writes. */
double   ddb_units_per_item(DdbOp op, gint64 size, guint items, gboolean consistent);
/* Pages of a Query or Scan (1 MB each); 1 for the others. */
guint    ddb_pages(DdbOp op, gint64 size, guint items);

#endif
