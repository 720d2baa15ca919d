// Placeholder until the zset command family lands.
#include "engine/commands.h"

namespace keel::engine {

void RegisterZSetCommands(CommandTable& /*table*/) {}

}  // namespace keel::engine
