/* cirrus — the registry of component models: YAML `type:` -> model.
 * Adding a model is one line here (plus its file pair, docs page and tests). */
#ifndef CIRRUS_MODEL_REGISTRY_H
#define CIRRUS_MODEL_REGISTRY_H

#include "sim/loader/scenario.h"

const CirrusRegistry *cirrus_models_registry(void);
/* Its prepare hook (the blocks every simulation's models share), for test
 * registries that mix real models with their own. */
gboolean cirrus_models_prepare(CirrusScenario *sc, CirrusSim *sim, GError **error);

#endif
