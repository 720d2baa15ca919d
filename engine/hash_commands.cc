// Placeholder until the hash command family lands.
#include "engine/commands.h"

namespace keel::engine {

void RegisterHashCommands(CommandTable& /*table*/) {}

}  // namespace keel::engine
