#pragma once
// What a ConfigDoc shares with its readers (internal to the config files).
#include <map>
#include <string>
#include <vector>

#include "models/config/config.h"

namespace sim {

struct ConfigDoc::State {
  std::string name;                // file name used in marks
  std::vector<std::string> lines;  // the text, for tab hints
  YAML::Node root;
  YAML::Node resolved{YAML::NodeType::Map};
  std::vector<std::pair<std::string, std::string>> sets;  // --set flag, canonical path it set
  std::map<std::string, std::vector<std::string>> asked;  // track path -> keys asked, in order

  // Where a node came from: its file position, or the --set flag that made it.
  SourceMark mark_of(const YAML::Node& n, const std::string& path) const;
  void note_asked(const std::string& track, std::string_view key);
};

// Selector of a list element in paths: its name, else its id, else [index].
std::string element_selector(const YAML::Node& element, size_t index);
std::string join_path(const std::string& base, const std::string& part);

}  // namespace sim
