// Loading scenario text: YAML errors and duplicate keys become InputErrors with
// 1-based file:line:column (yaml-cpp is 0-based and accepts duplicates silently).
#include <algorithm>
#include <fstream>
#include <functional>
#include <sstream>

#include "models/base/did_you_mean.h"
#include "models/base/input_file.h"
#include "models/config/config_state.h"
#include "models/config/yaml_guard.h"

namespace sim {

namespace {

SourceMark at(const std::string& file, const YAML::Mark& m) {
  return {file, m.is_null() ? 0 : m.line + 1, m.is_null() ? 0 : m.column + 1};
}

void reject_duplicates(const std::string& file, const YAML::Node& n, const std::string& path) {
  if (n.IsMap()) {
    std::map<std::string, int> first_line;
    for (auto it = n.begin(); it != n.end(); ++it) {
      std::string key = it->first.Scalar();
      auto [pos, fresh] = first_line.try_emplace(key, it->first.Mark().line + 1);
      if (!fresh)
        throw InputError(
            at(file, it->first.Mark()), join_path(path, key),
            "duplicate key '" + key + "' (first at line " + std::to_string(pos->second) + ")");
      reject_duplicates(file, it->second, join_path(path, key));
    }
  } else if (n.IsSequence()) {
    for (size_t i = 0; i < n.size(); ++i)
      reject_duplicates(file, n[i], path + element_selector(n[i], i));
  }
}

}  // namespace

std::string element_selector(const YAML::Node& e, size_t index) {
  if (e.IsMap()) {
    for (const char* k : {"name", "id"}) {
      YAML::Node v = e[k];
      if (v && v.IsScalar() && !v.Scalar().empty()) return "." + v.Scalar();
    }
  }
  return "[" + std::to_string(index) + "]";
}

std::string join_path(const std::string& base, const std::string& part) {
  if (base.empty()) return part;
  return base + "." + part;
}

SourceMark ConfigDoc::State::mark_of(const YAML::Node& n, const std::string& path) const {
  for (auto it = sets.rbegin(); it != sets.rend(); ++it) {
    const std::string& p = it->second;
    if (path == p || (path.size() > p.size() && path.compare(0, p.size(), p) == 0 &&
                      (path[p.size()] == '.' || path[p.size()] == '[')))
      return {"--set " + it->first, 0, 0};
  }
  if (n.Mark().is_null()) return {"--set", 0, 0};
  return at(name, n.Mark());
}

void ConfigDoc::State::note_asked(const std::string& track, std::string_view key) {
  auto& keys = asked[track];
  for (const auto& k : keys)
    if (k == key) return;
  keys.emplace_back(key);
}

ConfigDoc ConfigDoc::from_string(std::string_view text, std::string name) {
  auto st = std::make_shared<State>();
  st->name = std::move(name);
  std::istringstream lines{std::string(text)};
  for (std::string l; std::getline(lines, l);) st->lines.push_back(l);
  check_yaml_text(text, st->name);
  try {
    st->root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    SourceMark m = at(st->name, e.mark);
    std::string msg = e.msg;
    // yaml-cpp says "illegal map value" for a tab; say what is wrong.
    for (int l = std::max(0, m.line - 1); l < m.line + 1 && l < int(st->lines.size()); ++l)
      if (st->lines[size_t(l)].find('\t') != std::string::npos) {
        msg = "tabs are not allowed in YAML indentation; use spaces";
        m = {st->name, l + 1, int(st->lines[size_t(l)].find('\t')) + 1};
        break;
      }
    throw InputError(m, "", "YAML syntax error: " + msg);
  }
  if (!st->root || st->root.IsNull())
    throw InputError({st->name, 1, 1}, "", "the scenario is empty: expected a YAML map");
  if (!st->root.IsMap())
    throw InputError(at(st->name, st->root.Mark()), "", "expected a YAML map at the top level");
  reject_duplicates(st->name, st->root, "");
  return ConfigDoc(std::move(st));
}

ConfigDoc ConfigDoc::from_file(const std::string& path) {
  return from_string(read_input_file(path, kScenarioFile, ""), path);
}

const std::string& ConfigDoc::name() const {
  return st_->name;
}

ConfigReader ConfigDoc::root() {
  return ConfigReader(st_, st_->root, st_->resolved, "", "");
}

std::string ConfigDoc::resolved_yaml() const {
  YAML::Emitter e;
  e << st_->resolved;
  return std::string(e.c_str()) + "\n";
}

void ConfigDoc::check_unknown_keys() const {
  std::function<void(const YAML::Node&, const std::string&, const std::string&)> walk =
      [&](const YAML::Node& n, const std::string& path, const std::string& track) {
        if (n.IsMap()) {
          auto asked = st_->asked.find(track);
          for (auto it = n.begin(); it != n.end(); ++it) {
            std::string key = it->first.Scalar();
            if (asked != st_->asked.end()) {
              const auto& known = asked->second;
              if (std::find(known.begin(), known.end(), key) == known.end())
                throw InputError(st_->mark_of(it->first, join_path(path, key)),
                                 join_path(path, key),
                                 "unknown key '" + key + "'" + hint(key, known));
            }
            walk(it->second, join_path(path, key), join_path(track, key));
          }
        } else if (n.IsSequence()) {
          for (size_t i = 0; i < n.size(); ++i) {
            std::string sel = element_selector(n[i], i);
            walk(n[i], sel[0] == '[' ? path + sel : path + sel,
                 track + "[" + std::to_string(i) + "]");
          }
        }
      };
  walk(st_->root, "", "");
}

}  // namespace sim
