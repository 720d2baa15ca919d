// Placeholder until the list command family lands.
#include "engine/commands.h"

namespace keel::engine {

void RegisterListCommands(CommandTable& /*table*/) {}

}  // namespace keel::engine
