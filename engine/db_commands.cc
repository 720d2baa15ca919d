// Placeholder: the db command family is being written.
#include "engine/commands.h"

namespace keel::engine {

void RegisterDbCommands(CommandTable& /*table*/) {}

}  // namespace keel::engine
