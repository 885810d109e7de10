/* cirrus — the `dynamodb` model: a DynamoDB table, provisioned or
 * on-demand, with its partitions, burst and adaptive capacity, auto
 * scaling and global secondary indexes (docs/models/dynamodb.md). */
#ifndef CIRRUS_MODEL_DYNAMODB_H
#define CIRRUS_MODEL_DYNAMODB_H

#include "sim/kernel/model.h"

extern const CirrusModelType cirrus_dynamodb_type;

#endif
