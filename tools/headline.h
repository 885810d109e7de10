/* cirrus — each model's headline metrics: the few series a reader of its
 * dashboard looks at first, named on its page in docs/models/ ("Headline
 * metrics").  `cirrus plot` draws them always (even when they are 0 all
 * run: "no throttles" is an answer), before anything else; the report's
 * bottleneck search reads some of them.  Kept here, beside the plots,
 * rather than in the models: it is a presentation choice. */
#ifndef CIRRUS_TOOLS_HEADLINE_H
#define CIRRUS_TOOLS_HEADLINE_H

#include <glib.h>

/* The headline metric names of a model type ("sqs"; "workload" for
 * workloads), NULL-terminated; an empty list for a type not listed. */
const char *const *cirrus_headline_metrics(const char *type);
gboolean cirrus_headline_is(const char *type, const char *metric);
/* Every type listed, NULL-terminated (for tests). */
const char *const *cirrus_headline_types(void);

#endif
