// Placeholder: the string command family is being written.
#include "engine/commands.h"

namespace keel::engine {

void RegisterStringCommands(CommandTable& /*table*/) {}

}  // namespace keel::engine
