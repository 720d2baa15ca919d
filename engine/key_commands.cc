// Placeholder: the key command family is being written.
#include "engine/commands.h"

namespace keel::engine {

void RegisterKeyCommands(CommandTable& /*table*/) {}

}  // namespace keel::engine
