// Registration of the engine's command families. Each family lives in its own file and registers
// its commands with Redis's metadata; RegisterEngineCommands is the one explicit list.
#pragma once

#include "engine/command.h"

namespace keel::engine {

void RegisterStringCommands(CommandTable& table);  // string_commands.cc
void RegisterBitCommands(CommandTable& table);     // bit_commands.cc
void RegisterKeyCommands(CommandTable& table);     // key_commands.cc: DEL EXISTS TYPE RENAME ...
void RegisterExpireCommands(CommandTable& table);  // expire_commands.cc: EXPIRE TTL PERSIST ...
void RegisterDbCommands(CommandTable& table);      // db_commands.cc: SELECT DBSIZE FLUSHDB SWAPDB ...
void RegisterListCommands(CommandTable& table);    // list_commands.cc
void RegisterHashCommands(CommandTable& table);    // hash_commands.cc
void RegisterSetCommands(CommandTable& table);     // set_commands.cc
void RegisterZSetCommands(CommandTable& table);    // zset_commands.cc
void RegisterSortCommands(CommandTable& table);    // sort_commands.cc: SORT SORT_RO
void RegisterObjectCommands(CommandTable& table);  // object_commands.cc: OBJECT, MEMORY USAGE
void RegisterDumpCommands(CommandTable& table);    // dump_commands.cc: DUMP RESTORE

inline void RegisterEngineCommands(CommandTable& table) {
  RegisterStringCommands(table);
  RegisterBitCommands(table);
  RegisterKeyCommands(table);
  RegisterExpireCommands(table);
  RegisterDbCommands(table);
  RegisterListCommands(table);
  RegisterHashCommands(table);
  RegisterSetCommands(table);
  RegisterZSetCommands(table);
  RegisterSortCommands(table);
  RegisterObjectCommands(table);
  RegisterDumpCommands(table);
}

}  // namespace keel::engine
