// Tests for the command table's key metadata: the legacy key range Redis 7.0 derives from key
// specs, the key spec derived from a legacy range, and what MakeSpec makes of SpecInit's optional
// fields. Expected ranges are COMMAND INFO's from redis-server 7.0.15 for the same key specs.
#include "engine/command.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

namespace keel::engine {
namespace {

using Specs = std::vector<KeySpec>;

void Check(const LegacyKeyRange& got, int first, int last, int step, bool movable) {
  CHECK(got.first_key == first);
  CHECK(got.last_key == last);
  CHECK(got.key_step == step);
  CHECK(got.movable == movable);
}

TEST_CASE("legacy range: one index + range spec is taken as it is", "[command]") {
  // GET, MSET (step 2), DEL (to the end).
  Check(DeriveLegacyKeyRange({{.flags = kKeyRO, .begin_index = 1}}), 1, 1, 1, false);
  Check(DeriveLegacyKeyRange({{.flags = kKeyOW, .begin_index = 1, .last_key = -1, .key_step = 2}}),
        1, -1, 2, false);
  // A range's last key is relative to its first: 1 after position 3 is position 4.
  Check(DeriveLegacyKeyRange({{.flags = kKeyRO, .begin_index = 3, .last_key = 1}}), 3, 4, 1, false);
  // An incomplete spec keeps its range but makes the keys movable.
  Check(DeriveLegacyKeyRange({{.flags = kKeyRW | kKeyIncomplete, .begin_index = 1}}), 1, 1, 1,
        true);
}

TEST_CASE("legacy range: consecutive specs are spanned", "[command]") {
  // RENAME, COPY: 1 then 2.
  Check(DeriveLegacyKeyRange(
            {{.flags = kKeyRW, .begin_index = 1}, {.flags = kKeyOW, .begin_index = 2}}),
        1, 2, 1, false);
  // BITOP: the destination at 2, then every key from 3 to the end.
  Check(DeriveLegacyKeyRange({{.flags = kKeyOW, .begin_index = 2},
                              {.flags = kKeyRO, .begin_index = 3, .last_key = -1}}),
        2, -1, 1, false);
}

TEST_CASE("legacy range: specs it cannot express make the keys movable", "[command]") {
  // ZUNIONSTORE: the destination, then keys counted by numkeys.
  Check(DeriveLegacyKeyRange({{.flags = kKeyOW, .begin_index = 1},
                              {.flags = kKeyRO, .begin_index = 2, .find = KeySpec::kKeynum}}),
        1, 1, 1, true);
  // XREAD: keys after the STREAMS keyword only.
  Check(DeriveLegacyKeyRange(
            {{.flags = kKeyRO, .keyword = "STREAMS", .startfrom = 1, .last_key = -1, .limit = 2}}),
        0, 0, 0, true);
  // SORT: the key, then specs Redis marks unknown.
  Check(DeriveLegacyKeyRange({{.flags = kKeyRO, .begin_index = 1},
                              {.flags = kKeyRO, .find = KeySpec::kUnknown},
                              {.flags = kKeyOW, .find = KeySpec::kUnknown}}),
        1, 1, 1, true);
  // A gap between two ranges, or a step other than 1 among several specs.
  Check(DeriveLegacyKeyRange(
            {{.flags = kKeyRW, .begin_index = 1}, {.flags = kKeyOW, .begin_index = 3}}),
        1, 1, 1, true);
  Check(DeriveLegacyKeyRange({{.flags = kKeyRW, .begin_index = 1},
                              {.flags = kKeyOW, .begin_index = 2, .last_key = -1, .key_step = 2}}),
        1, 1, 1, true);
}

TEST_CASE("the table completes the key metadata a registration leaves out", "[command]") {
  CommandTable t;
  AddCommands(
      t, "generic",
      {
          {.name = "r",
           .arity = 2,
           .flags = kCmdReadOnly,
           .first_key = 1,
           .last_key = 1,
           .key_step = 1},
          {.name = "w",
           .arity = -2,
           .flags = kCmdWrite,
           .first_key = 1,
           .last_key = -1,
           .key_step = 1},
          {.name = "own",
           .arity = 2,
           .flags = kCmdWrite,
           .first_key = 1,
           .last_key = 1,
           .key_step = 1,
           .key_flags = kKeyOW | kKeyInsert},
          {.name = "two",
           .arity = 3,
           .flags = kCmdWrite,
           .key_specs = {{.flags = kKeyRW | kKeyDelete, .begin_index = 1},
                         {.flags = kKeyOW | kKeyUpdate, .begin_index = 2}}},
          {.name = "moving",
           .arity = -2,
           .flags = kCmdReadOnly,
           .key_specs = {{.flags = kKeyRO, .keyword = "KEYS", .startfrom = 1, .last_key = -1}}},
          {.name = "none", .arity = 1},
      });
  // By default a key spec follows the command's write or readonly flag.
  CHECK(t.Find("r")->key_specs == Specs{{.flags = kKeyRO | kKeyAccess, .begin_index = 1}});
  CHECK(t.Find("w")->key_specs ==
        Specs{{.flags = kKeyRW | kKeyUpdate, .begin_index = 1, .last_key = -1}});
  CHECK(t.Find("own")->key_specs == Specs{{.flags = kKeyOW | kKeyInsert, .begin_index = 1}});
  CHECK(t.Find("own")->first_key == 1);
  // Given key specs, the legacy range comes from them.
  const CommandSpec* two = t.Find("two");
  CHECK(two->first_key == 1);
  CHECK(two->last_key == 2);
  CHECK(two->key_step == 1);
  CHECK(two->flags == kCmdWrite);
  const CommandSpec* moving = t.Find("moving");
  CHECK(moving->first_key == 0);
  CHECK(moving->flags == (kCmdReadOnly | kCmdMovableKeys));
  CHECK(t.Find("none")->key_specs.empty());
}

TEST_CASE("MakeSpec carries tips, doc flags and history", "[command]") {
  CommandSpec s = MakeSpec("server", {.name = "x",
                                      .arity = 1,
                                      .syntax = "[a]",
                                      .tips = "nondeterministic_output  request_policy:all_shards",
                                      .doc_flags = kDocDeprecated | kDocSysCmd,
                                      .deprecated_since = "6.2.0",
                                      .replaced_by = "`Y`",
                                      .history = {{"6.0.0", "Added."}, {"7.0.0", "Changed."}}});
  CHECK(s.group == "server");
  CHECK(s.syntax == "[a]");
  CHECK(s.tips == std::vector<std::string>{"nondeterministic_output", "request_policy:all_shards"});
  CHECK(s.doc_flags == (kDocDeprecated | kDocSysCmd));
  CHECK(s.deprecated_since == "6.2.0");
  CHECK(s.replaced_by == "`Y`");
  CHECK(s.history == std::vector<HistoryEntry>{{"6.0.0", "Added."}, {"7.0.0", "Changed."}});
  CHECK(MakeSpec("generic", {.name = "y"}).tips.empty());
}

}  // namespace
}  // namespace keel::engine
