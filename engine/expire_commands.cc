// Placeholder: the expire command family is being written.
#include "engine/commands.h"

namespace keel::engine {

void RegisterExpireCommands(CommandTable& /*table*/) {}

}  // namespace keel::engine
