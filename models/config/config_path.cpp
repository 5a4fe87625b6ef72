// --set PATH=VALUE: dotted paths into the document; a list element is selected by
// its name, else its id, else [index]; an ambiguous selector is an error.
#include "models/base/did_you_mean.h"
#include "models/config/config_state.h"

namespace sim {

namespace {

std::vector<std::string> split_path(const std::string& path) {
  // Dots separate segments; "[i]" may follow a segment without a dot.
  std::vector<std::string> out;
  std::string cur;
  for (char c : path) {
    if (c == '.') {
      out.push_back(cur);
      cur.clear();
    } else if (c == '[' && !cur.empty()) {
      out.push_back(cur);
      cur = "[";
    } else {
      cur += c;
    }
  }
  out.push_back(cur);
  return out;
}

YAML::Node select_element(const YAML::Node& seq, const std::string& sel, const std::string& flag,
                          const std::string& where) {
  if (sel.size() > 2 && sel.front() == '[' && sel.back() == ']') {
    size_t i = 0;
    try {
      i = std::stoul(sel.substr(1, sel.size() - 2));
    } catch (...) {
      throw InputError({"--set " + flag, 0, 0}, where, "bad index " + sel);
    }
    if (i >= seq.size())
      throw InputError({"--set " + flag, 0, 0}, where,
                       "index " + sel + " is past the end (the list has " +
                           std::to_string(seq.size()) + " elements)");
    return seq[i];
  }
  for (const char* by : {"name", "id"}) {
    std::vector<size_t> hits;
    for (size_t i = 0; i < seq.size(); ++i) {
      YAML::Node v = seq[i].IsMap() ? seq[i][by] : YAML::Node();
      if (v && v.IsScalar() && v.Scalar() == sel) hits.push_back(i);
    }
    if (hits.size() > 1)
      throw InputError(
          {"--set " + flag, 0, 0}, where,
          "'" + sel + "' selects " + std::to_string(hits.size()) + " elements; use [index]");
    if (hits.size() == 1) return seq[hits[0]];
  }
  std::vector<std::string> names;
  for (size_t i = 0; i < seq.size(); ++i)
    for (const char* by : {"name", "id"})
      if (seq[i].IsMap() && seq[i][by] && seq[i][by].IsScalar())
        names.push_back(seq[i][by].Scalar());
  throw InputError({"--set " + flag, 0, 0}, where,
                   "no element named '" + sel + "'" + hint(sel, names));
}

}  // namespace

void ConfigDoc::apply_set(std::string_view assignment) {
  std::string flag(assignment);
  size_t eq = flag.find('=');
  if (eq == std::string::npos || eq == 0)
    throw InputError({"--set " + flag, 0, 0}, "", "expected PATH=VALUE");
  std::string path = flag.substr(0, eq), text = flag.substr(eq + 1);
  YAML::Node value;
  try {
    value = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw InputError({"--set " + flag, 0, 0}, path, "the value is not valid YAML: " + e.msg);
  }
  if (!value || value.IsNull()) value = YAML::Node(std::string());

  std::vector<std::string> segs = split_path(path);
  YAML::Node cur = st_->root;
  std::string where;  // canonical path so far, named the way readers name it
  for (size_t i = 0; i < segs.size(); ++i) {
    const std::string& seg = segs[i];
    const bool last = i + 1 == segs.size();
    if (seg.empty()) throw InputError({"--set " + flag, 0, 0}, path, "empty path segment");
    if (cur.IsSequence()) {
      if (last)
        throw InputError({"--set " + flag, 0, 0}, path, "cannot replace a whole list element");
      YAML::Node e = select_element(cur, seg, flag, where + "." + seg);
      for (size_t k = 0; k < cur.size(); ++k)
        if (cur[k].is(e)) where += element_selector(e, k);
      cur.reset(e);
      continue;
    }
    if (seg[0] == '[' || (!cur.IsMap() && !cur.IsNull()))
      throw InputError({"--set " + flag, 0, 0}, path, "'" + where + "' is not a map");
    where = join_path(where, seg);
    if (last) {
      cur[seg] = value;
      break;
    }
    YAML::Node next = cur[seg];
    if (!next || next.IsNull()) {
      cur[seg] = YAML::Node(YAML::NodeType::Map);  // created; unknown keys are caught on read
      next.reset(cur[seg]);
    }
    cur.reset(next);
  }
  st_->sets.push_back({flag, where});
}

}  // namespace sim
