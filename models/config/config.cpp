// ConfigReader: typed reads of one YAML map, each recorded for unknown-key checks
// and for config.resolved.yaml.
#include "models/config/config.h"

#include <charconv>

#include "models/base/did_you_mean.h"
#include "models/config/config_state.h"

namespace sim {

namespace {
std::string describe(const YAML::Node& n) {
  if (n.IsMap()) return "a map";
  if (n.IsSequence()) return "a list";
  if (n.IsNull()) return "nothing";
  return "'" + n.Scalar() + "'";
}
}  // namespace

ConfigReader::ConfigReader(std::shared_ptr<ConfigDoc::State> st, YAML::Node node, YAML::Node out,
                           std::string path, std::string track)
    : st_(std::move(st)),
      node_(std::move(node)),
      out_(std::move(out)),
      path_(std::move(path)),
      track_(std::move(track)) {
  st_->asked.try_emplace(track_);
}

std::string ConfigReader::key_path(std::string_view key) const {
  return join_path(path_, std::string(key));
}

std::optional<YAML::Node> ConfigReader::find(std::string_view key) const {
  st_->note_asked(track_, key);
  if (!node_ || !node_.IsMap()) return std::nullopt;
  for (auto it = node_.begin(); it != node_.end(); ++it)
    if (it->first.Scalar() == key) return it->second;
  return std::nullopt;
}

bool ConfigReader::has(std::string_view key) const {
  return find(key).has_value();
}

SourceMark ConfigReader::mark(std::string_view key) const {
  if (auto v = find(key)) return st_->mark_of(*v, key_path(key));
  if (node_ && node_.IsMap()) return st_->mark_of(node_, path_);
  return {st_->name, 0, 0};
}

void ConfigReader::fail(std::string_view key, const std::string& message) const {
  throw InputError(mark(key), key_path(key), message);
}

void ConfigReader::record(std::string_view key, const std::string& canonical) {
  out_[std::string(key)] = canonical;
}

std::optional<YAML::Node> ConfigReader::scalar(std::string_view key, const char* expected) const {
  auto v = find(key);
  if (v && !v->IsScalar()) fail(key, std::string("expected ") + expected + ", got " + describe(*v));
  return v;
}

template <class T, class Parse, class Format>
T ConfigReader::parsed(std::string_view key, const std::optional<T>& def, const char* expected,
                       Parse parse, Format format) {
  auto v = scalar(key, expected);
  if (!v) {
    if (!def) fail(key, "missing required key '" + std::string(key) + "'");
    record(key, format(*def));
    return *def;
  }
  std::string err;
  T value = parse(v->Scalar(), err);
  if (!err.empty()) fail(key, err);
  record(key, format(value));
  return value;
}

namespace {
template <ParseResult (*P)(std::string_view)>
auto unit_parser() {
  return [](const std::string& s, std::string& err) {
    ParseResult r = P(s);
    err = r.error;
    return r.value;
  };
}
}  // namespace

uint64_t ConfigReader::size(std::string_view key) {
  return parsed<uint64_t>(key, std::nullopt, "a size", unit_parser<parse_size>(), format_size);
}
uint64_t ConfigReader::size(std::string_view key, uint64_t def) {
  return parsed<uint64_t>(key, def, "a size", unit_parser<parse_size>(), format_size);
}
uint64_t ConfigReader::time_ps(std::string_view key) {
  return parsed<uint64_t>(key, std::nullopt, "a time", unit_parser<parse_time_ps>(), format_time);
}
uint64_t ConfigReader::time_ps(std::string_view key, uint64_t def) {
  return parsed<uint64_t>(key, def, "a time", unit_parser<parse_time_ps>(), format_time);
}
uint64_t ConfigReader::rate(std::string_view key) {
  return parsed<uint64_t>(key, std::nullopt, "a rate", unit_parser<parse_rate>(), format_rate);
}
uint64_t ConfigReader::rate(std::string_view key, uint64_t def) {
  return parsed<uint64_t>(key, def, "a rate", unit_parser<parse_rate>(), format_rate);
}
uint64_t ConfigReader::address(std::string_view key) {
  return parsed<uint64_t>(key, std::nullopt, "an address", unit_parser<parse_address>(), hex);
}
uint64_t ConfigReader::address(std::string_view key, uint64_t def) {
  return parsed<uint64_t>(key, def, "an address", unit_parser<parse_address>(), hex);
}

static auto bool_parser = [](const std::string& s, std::string& err) {
  if (s == "true") return true;
  if (s != "false") err = "expected true or false, got '" + s + "'";
  return false;
};
static auto bool_format = [](bool b) { return std::string(b ? "true" : "false"); };

bool ConfigReader::boolean(std::string_view key) {
  return parsed<bool>(key, std::nullopt, "true or false", bool_parser, bool_format);
}
bool ConfigReader::boolean(std::string_view key, bool def) {
  return parsed<bool>(key, def, "true or false", bool_parser, bool_format);
}

int64_t ConfigReader::integer(std::string_view key, int64_t min, int64_t max) {
  return integer(key, INT64_MIN, min, max);
}
int64_t ConfigReader::integer(std::string_view key, int64_t def, int64_t min, int64_t max) {
  std::optional<int64_t> d;
  if (def != INT64_MIN) d = def;
  auto parse = [&](const std::string& s, std::string& err) {
    int64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc() || p != s.data() + s.size() || v < min || v > max)
      err = "expected an integer from " + std::to_string(min) + " to " + std::to_string(max) +
            ", got '" + s + "'";
    return v;
  };
  return parsed<int64_t>(key, d, "an integer", parse, [](int64_t v) { return std::to_string(v); });
}

namespace {
// Control characters in a value (a lone carriage return, say) do not survive a round
// trip through config.resolved.yaml: they are refused.
void no_control_characters(const std::string& s, std::string& err) {
  for (unsigned char c : s)
    if (c < 0x20 || c == 0x7f) {
      err = "expected text without control characters";
      return;
    }
}
}  // namespace

std::string ConfigReader::text(std::string_view key) {
  auto parse = [](const std::string& s, std::string& err) {
    if (s.empty()) err = "expected text, got nothing";
    no_control_characters(s, err);
    return s;
  };
  return parsed<std::string>(key, std::nullopt, "text", parse,
                             [](const std::string& s) { return s; });
}
std::string ConfigReader::text(std::string_view key, const std::string& def) {
  auto parse = [](const std::string& s, std::string& err) {
    no_control_characters(s, err);
    return s;
  };
  return parsed<std::string>(key, def, "text", parse, [](const std::string& s) { return s; });
}

std::string ConfigReader::choice(std::string_view key,
                                 std::initializer_list<std::string_view> allowed) {
  return choice_of(key, std::nullopt, std::vector<std::string>(allowed.begin(), allowed.end()));
}
std::string ConfigReader::choice(std::string_view key, const std::string& def,
                                 std::initializer_list<std::string_view> allowed) {
  return choice_of(key, def, std::vector<std::string>(allowed.begin(), allowed.end()));
}
std::string ConfigReader::choice(std::string_view key, const std::vector<std::string>& allowed) {
  return choice_of(key, std::nullopt, allowed);
}
std::string ConfigReader::choice(std::string_view key, const std::string& def,
                                 const std::vector<std::string>& allowed) {
  return choice_of(key, def, allowed);
}
std::string ConfigReader::choice_of(std::string_view key, const std::optional<std::string>& def,
                                    const std::vector<std::string>& opts) {
  auto parse = [&](const std::string& s, std::string& err) {
    for (const auto& o : opts)
      if (o == s) return s;
    std::string list;
    for (const auto& o : opts) list += (list.empty() ? "" : ", ") + o;
    err = "expected one of " + list + ", got '" + s + "'" + hint(s, opts);
    return s;
  };
  return parsed<std::string>(key, def, "a choice", parse, [](const std::string& s) { return s; });
}

Range ConfigReader::range(std::string_view key) {
  auto parse = [](const std::string& s, std::string& err) {
    RangeResult r = parse_range(s);
    err = r.error;
    return r.value;
  };
  auto format = [](const Range& r) { return hex(r.start) + "+" + hex(r.length); };
  return parsed<Range>(key, std::nullopt, "a range", parse, format);
}

bool ConfigReader::is_keyword(std::string_view key, std::string_view word) const {
  auto v = find(key);
  return v && v->IsScalar() && v->Scalar() == word;
}
void ConfigReader::keyword(std::string_view key, std::string_view word) {
  find(key);
  record(key, std::string(word));
}
bool ConfigReader::is_map(std::string_view key) const {
  auto v = find(key);
  return v && v->IsMap();
}
bool ConfigReader::is_list(std::string_view key) const {
  auto v = find(key);
  return v && v->IsSequence();
}

ConfigReader ConfigReader::map(std::string_view key) {
  auto v = find(key);
  if (!v) fail(key, "missing required key '" + std::string(key) + "'");
  if (!v->IsMap()) fail(key, "expected a map, got " + describe(*v));
  return section(key);
}

std::optional<ConfigReader> ConfigReader::optional_map(std::string_view key) {
  if (!find(key)) return std::nullopt;
  return map(key);
}

ConfigReader ConfigReader::section(std::string_view key) {
  auto v = find(key);
  if (v && !v->IsMap() && !v->IsNull()) fail(key, "expected a map, got " + describe(*v));
  std::string k(key);
  out_[k] = YAML::Node(YAML::NodeType::Map);
  return ConfigReader(st_, v ? *v : YAML::Node(), out_[k], key_path(key), join_path(track_, k));
}

std::vector<ConfigReader> ConfigReader::list(std::string_view key) {
  std::vector<ConfigReader> items;
  auto v = find(key);
  if (!v || v->IsNull()) return items;
  if (!v->IsSequence()) fail(key, "expected a list, got " + describe(*v));
  std::string k(key);
  YAML::Node seq(YAML::NodeType::Sequence);
  out_[k] = seq;
  for (size_t i = 0; i < v->size(); ++i) {
    YAML::Node e = (*v)[i];
    if (!e.IsMap())
      throw InputError(st_->mark_of(e, key_path(key)),
                       key_path(key) + "[" + std::to_string(i) + "]",
                       "expected a map, got " + describe(e));
    YAML::Node o(YAML::NodeType::Map);
    seq.push_back(o);
    items.push_back(ConfigReader(st_, e, o, key_path(key) + element_selector(e, i),
                                 join_path(track_, k) + "[" + std::to_string(i) + "]"));
  }
  return items;
}

std::vector<std::string> ConfigReader::string_list(std::string_view key) {
  std::vector<std::string> items;
  auto v = find(key);
  if (!v || v->IsNull()) return items;
  if (!v->IsSequence()) fail(key, "expected a list, got " + describe(*v));
  YAML::Node seq(YAML::NodeType::Sequence);
  for (size_t i = 0; i < v->size(); ++i) {
    YAML::Node e = (*v)[i];
    if (!e.IsScalar())
      throw InputError(st_->mark_of(e, key_path(key)),
                       key_path(key) + "[" + std::to_string(i) + "]",
                       "expected a scalar, got " + describe(e));
    items.push_back(e.Scalar());
    seq.push_back(e.Scalar());
  }
  seq.SetStyle(YAML::EmitterStyle::Flow);
  out_[std::string(key)] = seq;
  return items;
}

std::vector<Range> ConfigReader::range_list(std::string_view key) {
  std::vector<Range> out;
  auto v = find(key);
  std::vector<std::string> texts = string_list(key);
  YAML::Node seq(YAML::NodeType::Sequence);
  for (size_t i = 0; i < texts.size(); ++i) {
    RangeResult r = parse_range(texts[i]);
    if (!r.ok())
      throw InputError(st_->mark_of((*v)[i], key_path(key)),
                       key_path(key) + "[" + std::to_string(i) + "]", r.error);
    out.push_back(r.value);
    seq.push_back(hex(r.value.start) + "+" + hex(r.value.length));
  }
  seq.SetStyle(YAML::EmitterStyle::Flow);
  if (v && v->IsSequence()) out_[std::string(key)] = seq;
  return out;
}

std::vector<std::pair<std::string, SourceMark>> ConfigReader::keys() const {
  std::vector<std::pair<std::string, SourceMark>> out;
  if (!node_ || !node_.IsMap()) return out;
  for (auto it = node_.begin(); it != node_.end(); ++it) {
    st_->note_asked(track_, it->first.Scalar());
    out.push_back({it->first.Scalar(), st_->mark_of(it->first, key_path(it->first.Scalar()))});
  }
  return out;
}

}  // namespace sim
