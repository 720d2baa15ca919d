// Placeholder until the set command family lands.
#include "engine/commands.h"

namespace keel::engine {

void RegisterSetCommands(CommandTable& /*table*/) {}

}  // namespace keel::engine
