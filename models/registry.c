/* cirrus — the registry of component models (see registry.h). */
#include "models/registry.h"
#include "models/alb/alb.h"
#include "models/apigateway/apigateway.h"
#include "models/asg/asg.h"
#include "models/aws/globals.h"
#include "models/protocol/attributes.h"
#include "models/dynamodb/dynamodb.h"
#include "models/elasticache/elasticache.h"
#include "models/kinesis/kinesis.h"
#include "models/lambda/lambda.h"
#include "models/rds/rds.h"
#include "models/route53/route53.h"
#include "models/service/service.h"
#include "models/sns/sns.h"
#include "models/sqs/sqs.h"
#include "models/transfer.h"
#include "models/workload/workload.h"

static const CirrusModelType *const model_types[] = {
    &cirrus_workload_type,
    &cirrus_service_type,
    &cirrus_alb_type,
    &cirrus_nlb_type,
    &cirrus_asg_type,
    &cirrus_lambda_type,
    &cirrus_sqs_type,
    &cirrus_dynamodb_type,
    &cirrus_elasticache_type,
    &cirrus_kinesis_type,
    &cirrus_sns_type,
    &cirrus_route53_type,
    &cirrus_apigateway_type,
    &cirrus_rds_type,
    NULL,
};

/* Each simulation's shared blocks, before its components are configured. */
gboolean cirrus_models_prepare(CirrusScenario *sc, CirrusSim *sim, GError **error)
{
    (void)sc;
    (void)error;
    cirrus_attr_prepare(sim);
    return TRUE;
}

static const CirrusRegistry registry = {
    .types = model_types,
    .workload_type = "workload",
    .read_globals = cirrus_globals_read,
    .prepare = cirrus_models_prepare,
    .built = cirrus_transfer_built,
};

const CirrusRegistry *cirrus_models_registry(void) { return &registry; }
