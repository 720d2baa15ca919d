// Placeholder until the sort command family lands.
#include "engine/commands.h"

namespace keel::engine {

void RegisterSortCommands(CommandTable& /*table*/) {}

}  // namespace keel::engine
