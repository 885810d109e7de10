/* cirrus — headline metrics per model (see headline.h).  Each list is
 * also written on the model's page (docs/models/<type>.md, "Headline
 * metrics"); tests/test_plot.c checks that the dashboard draws them. */
#include "tools/headline.h"
#include <string.h>

typedef struct {
    const char *type;
    const char *const metrics[10];
} Headline;

static const Headline headlines[] = {
    {"workload", {"Requests", "Succeeded", "Failed", "TimedOut", "Latency", NULL}},
    {"service", {"Requests", "Rejected", "Utilization", "QueueLength", "Latency", NULL}},
    {"alb", {"RequestCount", "HTTPCode_ELB_5XX_Count", "HTTPCode_Target_5XX_Count", "TargetResponseTime",
             "HealthyHostCount", NULL}},
    {"nlb", {"RequestCount", "HTTPCode_ELB_5XX_Count", "HTTPCode_Target_5XX_Count", "TargetResponseTime",
             "HealthyHostCount", NULL}},
    {"asg", {"GroupDesiredCapacity", "GroupInServiceInstances", "CPUUtilization", "ScalingActivities",
             "RequestCount", "Rejected", "Latency", NULL}},
    {"lambda", {"Invocations", "Errors", "Throttles", "ConcurrentExecutions", "Duration", "ColdStarts", NULL}},
    {"sqs", {"NumberOfMessagesSent", "NumberOfMessagesDeleted", "ApproximateNumberOfMessagesVisible",
             "ApproximateAgeOfOldestMessage", NULL}},
    {"sns", {"NumberOfMessagesPublished", "NumberOfNotificationsDelivered", "NumberOfNotificationsFailed", NULL}},
    {"kinesis", {"IncomingRecords", "WriteProvisionedThroughputExceeded", "GetRecords.IteratorAgeMilliseconds", NULL}},
    {"dynamodb", {"ConsumedReadCapacityUnits", "ConsumedWriteCapacityUnits", "ThrottledRequests",
                  "SuccessfulRequestLatency", NULL}},
    {"route53", {"DNSQueries", "HealthCheckStatus", NULL}},
    {"elasticache", {"CacheHits", "CacheMisses", "EngineCPUUtilization", "SuccessfulReadRequestLatency", NULL}},
    {"apigateway", {"Count", "4XXError", "5XXError", "Latency", "IntegrationLatency", NULL}},
    {"rds", {"DatabaseConnections", "CPUUtilization", "ReadLatency", "WriteLatency", "TooManyConnections", NULL}},
};

const char *const *cirrus_headline_metrics(const char *type)
{
    static const char *const none[] = {NULL};
    for (gsize i = 0; type && i < G_N_ELEMENTS(headlines); i++)
        if (strcmp(headlines[i].type, type) == 0) return headlines[i].metrics;
    return none;
}

gboolean cirrus_headline_is(const char *type, const char *metric)
{
    for (const char *const *m = cirrus_headline_metrics(type); *m; m++)
        if (strcmp(*m, metric) == 0) return TRUE;
    return FALSE;
}

const char *const *cirrus_headline_types(void)
{
    static const char *types[G_N_ELEMENTS(headlines) + 1];
    for (gsize i = 0; i < G_N_ELEMENTS(headlines); i++) types[i] = headlines[i].type;
    return types;
}
