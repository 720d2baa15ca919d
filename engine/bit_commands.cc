// Placeholder: the bit command family is being written.
#include "engine/commands.h"

namespace keel::engine {

void RegisterBitCommands(CommandTable& /*table*/) {}

}  // namespace keel::engine
