// Placeholder until the object command family lands.
#include "engine/commands.h"

namespace keel::engine {

void RegisterObjectCommands(CommandTable& /*table*/) {}

}  // namespace keel::engine
