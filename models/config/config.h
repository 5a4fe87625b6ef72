#pragma once
// Scenario files: YAML with marks, duplicate keys refused, --set overrides, and
// readers through which each component declares its keys, defaults and checks as
// it reads them. Because every read is recorded, unknown keys (with "did you mean")
// and config.resolved.yaml come for free.
#include <yaml-cpp/yaml.h>

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "models/base/input_error.h"
#include "models/base/units.h"
#include "models/config/named_values.h"

namespace sim {

class ConfigReader;

class ConfigDoc {
 public:
  static ConfigDoc from_file(const std::string& path);
  static ConfigDoc from_string(std::string_view text, std::string name);
  // "PATH=VALUE": VALUE is a YAML flow scalar, list or map.
  void apply_set(std::string_view assignment);
  ConfigReader root();
  // After all reading: the first key in document order that nobody asked for.
  void check_unknown_keys() const;
  // Every value read, defaults filled, in read order and canonical text.
  std::string resolved_yaml() const;
  const std::string& name() const;

  struct State;

 private:
  explicit ConfigDoc(std::shared_ptr<State> s) : st_(std::move(s)) {}
  std::shared_ptr<State> st_;
};

class ConfigReader {
 public:
  std::string path() const { return path_; }
  bool has(std::string_view key) const;
  SourceMark mark(std::string_view key) const;
  [[noreturn]] void fail(std::string_view key, const std::string& message) const;

  bool boolean(std::string_view key);
  bool boolean(std::string_view key, bool def);
  int64_t integer(std::string_view key, int64_t min, int64_t max);
  int64_t integer(std::string_view key, int64_t def, int64_t min, int64_t max);
  uint64_t size(std::string_view key);
  uint64_t size(std::string_view key, uint64_t def);
  uint64_t time_ps(std::string_view key);
  uint64_t time_ps(std::string_view key, uint64_t def);
  uint64_t rate(std::string_view key);
  uint64_t rate(std::string_view key, uint64_t def);
  uint64_t address(std::string_view key);
  uint64_t address(std::string_view key, uint64_t def);
  std::string text(std::string_view key);
  std::string text(std::string_view key, const std::string& def);
  std::string choice(std::string_view key, std::initializer_list<std::string_view> allowed);
  std::string choice(std::string_view key, const std::string& def,
                     std::initializer_list<std::string_view> allowed);
  // The same over names known only at run time (a registry's).
  std::string choice(std::string_view key, const std::vector<std::string>& allowed);
  std::string choice(std::string_view key, const std::string& def,
                     const std::vector<std::string>& allowed);
  // A name from `table`, as the value it selects (`def` when absent).
  template <class T>
  T choice(std::string_view key, const NamedValues<T>& table) {
    return table.value(choice_of(key, std::nullopt, table.names()));
  }
  template <class T>
  T choice(std::string_view key, const T& def, const NamedValues<T>& table) {
    return table.value(choice_of(key, std::string(table.name(def)), table.names()));
  }
  Range range(std::string_view key);
  // A value that is exactly this word (rate: max, end: auto); keyword() records it.
  bool is_keyword(std::string_view key, std::string_view word) const;
  void keyword(std::string_view key, std::string_view word);
  bool is_map(std::string_view key) const;
  bool is_list(std::string_view key) const;

  ConfigReader map(std::string_view key);  // required
  std::optional<ConfigReader> optional_map(std::string_view key);
  ConfigReader section(std::string_view key);            // a map, or an empty one when absent
  std::vector<ConfigReader> list(std::string_view key);  // list of maps; absent: empty
  std::vector<std::string> string_list(std::string_view key);
  std::vector<Range> range_list(std::string_view key);
  std::vector<std::pair<std::string, SourceMark>> keys() const;  // present keys, in order

 private:
  friend class ConfigDoc;
  ConfigReader(std::shared_ptr<ConfigDoc::State> st, YAML::Node node, YAML::Node out,
               std::string path, std::string track);
  std::optional<YAML::Node> find(std::string_view key) const;  // marks the key asked
  std::optional<YAML::Node> scalar(std::string_view key, const char* expected) const;
  std::string key_path(std::string_view key) const;
  std::string choice_of(std::string_view key, const std::optional<std::string>& def,
                        const std::vector<std::string>& allowed);
  void record(std::string_view key, const std::string& canonical);
  template <class T, class Parse, class Format>
  T parsed(std::string_view key, const std::optional<T>& def, const char* expected, Parse parse,
           Format format);

  std::shared_ptr<ConfigDoc::State> st_;
  YAML::Node node_;  // a map, or null for an absent section
  YAML::Node out_;
  std::string path_;   // for people: devices.nic0.dma.rx
  std::string track_;  // unique: devices[0].dma[0]
};

}  // namespace sim
