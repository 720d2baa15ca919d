// INFO's text building blocks, shared by info.cc (the command and the per-command sections) and
// info_sections.cc (server, clients, memory, persistence, stats, replication, cpu): the
// "# Title" / "name:value" writer and Redis's number formats.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace keel::server {

class Server;

class InfoWriter {
 public:
  // Starts a section; sections are separated by an empty line.
  void Section(std::string_view title) {
    if (!out_.empty()) out_ += "\r\n";
    out_ += "# ";
    out_ += title;
    out_ += "\r\n";
  }
  void Field(std::string_view name, std::string_view value) {
    out_ += name;
    out_ += ':';
    out_ += value;
    out_ += "\r\n";
  }
  void Field(std::string_view name, const char* value) { Field(name, std::string_view(value)); }
  void Field(std::string_view name, const std::string& value) {
    Field(name, std::string_view(value));
  }
  void Field(std::string_view name, uint64_t v) { Field(name, std::to_string(v)); }
  void Field(std::string_view name, int64_t v) { Field(name, std::to_string(v)); }
  void Field(std::string_view name, int v) { Field(name, std::to_string(v)); }
  // A number with two decimals ("1.25"), as Redis prints ratios and rates.
  void FieldF(std::string_view name, double v) {
    char buf[64];
    std::snprintf(buf, sizeof(buf), "%.2f", v);
    Field(name, std::string_view(buf));
  }
  // A percentage with two decimals and a '%' ("99.74%").
  void FieldPercent(std::string_view name, double v) {
    char buf[64];
    std::snprintf(buf, sizeof(buf), "%.2f%%", v);
    Field(name, std::string_view(buf));
  }
  std::string& str() { return out_; }

 private:
  std::string out_;
};

// A byte count as INFO's *_human fields show it: "512B", "991.49K", "11.73M", up to "P".
std::string BytesToHuman(uint64_t n);

// The sections with fixed field lists, in Redis 7.0's order and with its field names.
void ServerSection(Server& s, InfoWriter& w);
void ClientsSection(Server& s, InfoWriter& w);
void MemorySection(Server& s, InfoWriter& w);
void PersistenceSection(Server& s, InfoWriter& w);
void StatsSection(Server& s, InfoWriter& w);
void ReplicationSection(Server& s, InfoWriter& w);
void CpuSection(InfoWriter& w);

}  // namespace keel::server
