/* cirrus — DynamoDB's capacity arithmetic (see ddb_capacity.h). */
#include "models/dynamodb/ddb_capacity.h"

const char *const ddb_op_names[] = {
    "GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "Scan",
    "BatchGetItem", "BatchWriteItem", "TransactGetItems", "TransactWriteItems", NULL,
};

gboolean ddb_op_writes(DdbOp op)
{
    return op == DDB_PUT_ITEM || op == DDB_UPDATE_ITEM || op == DDB_DELETE_ITEM || op == DDB_BATCH_WRITE_ITEM ||
           op == DDB_TRANSACT_WRITE_ITEMS;
}

gboolean ddb_op_per_item(DdbOp op)
{
    return op == DDB_BATCH_GET_ITEM || op == DDB_BATCH_WRITE_ITEM || op == DDB_TRANSACT_GET_ITEMS ||
           op == DDB_TRANSACT_WRITE_ITEMS;
}

guint ddb_op_max_items(DdbOp op)
{
    switch (op) {
    case DDB_BATCH_GET_ITEM: return 100;        /* AWS: up to 100 items */
    case DDB_BATCH_WRITE_ITEM: return 25;       /* up to 25 put or delete requests */
    case DDB_TRANSACT_GET_ITEMS:
    case DDB_TRANSACT_WRITE_ITEMS: return 100;  /* up to 100 actions */
    case DDB_QUERY:
    case DDB_SCAN: return G_MAXUINT;
    default: return 1;
    }
}

gint64 ddb_op_max_bytes(DdbOp op)
{
    switch (op) {
    case DDB_BATCH_GET_ITEM:
    case DDB_BATCH_WRITE_ITEM: return 16 * 1024 * DDB_KB;      /* 16 MB */
    case DDB_TRANSACT_GET_ITEMS:
    case DDB_TRANSACT_WRITE_ITEMS: return 4 * 1024 * DDB_KB;   /* 4 MB */
    default: return 0;
    }
}

static double blocks(gint64 bytes, gint64 block)
{
    return (double)((bytes + block - 1) / block);
}

double ddb_units_per_item(DdbOp op, gint64 size, guint items, gboolean consistent)
{
    if (size < 1) size = 1;   /* an item has at least its key */
    switch (op) {
    case DDB_PUT_ITEM:
    case DDB_UPDATE_ITEM:
    case DDB_DELETE_ITEM:
    case DDB_BATCH_WRITE_ITEM: return blocks(size, DDB_KB);
    case DDB_TRANSACT_WRITE_ITEMS: return 2 * blocks(size, DDB_KB);
    case DDB_GET_ITEM:
    case DDB_BATCH_GET_ITEM: return blocks(size, 4 * DDB_KB) * (consistent ? 1.0 : 0.5);
    case DDB_TRANSACT_GET_ITEMS: return 2 * blocks(size, 4 * DDB_KB);
    case DDB_QUERY:
    case DDB_SCAN: {
        /* The total read, page by page; pages are a whole number of 4-KB
         * blocks, so the sum is the total's blocks. */
        gint64 total = size * (gint64)(items ? items : 1);
        return blocks(total, 4 * DDB_KB) * (consistent ? 1.0 : 0.5);
    }
    case DDB_N_OPS: break;
    }
    g_assert_not_reached();
    return 0;
}

guint ddb_pages(DdbOp op, gint64 size, guint items)
{
    if (op != DDB_QUERY && op != DDB_SCAN) return 1;
    gint64 total = MAX(size, 1) * (gint64)(items ? items : 1);
    return (guint)MAX((total + DDB_PAGE - 1) / DDB_PAGE, 1);
}
