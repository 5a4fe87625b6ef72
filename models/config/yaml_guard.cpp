#include "models/config/yaml_guard.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/parser.h>

#include <sstream>
#include <vector>

#include "models/base/input_error.h"

namespace sim {

namespace {

// Byte offset -> 1-based line and column (columns count bytes, as yaml-cpp's do).
SourceMark mark_at(std::string_view text, size_t offset, const std::string& file) {
  int line = 1, col = 1;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  return {file, line, col};
}

// Length of the valid UTF-8 sequence at `i`, or 0.
size_t utf8_length(std::string_view s, size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) return 1;
  size_t n = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k)
    if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) return 0;
  const auto c1 = static_cast<unsigned char>(s[i + 1]);
  if ((c == 0xe0 && c1 < 0xa0) || (c == 0xed && c1 >= 0xa0) || (c == 0xf0 && c1 < 0x90) ||
      (c == 0xf4 && c1 >= 0x90))
    return 0;  // overlong, a surrogate, or past U+10FFFF
  return n;
}

class Guard : public YAML::EventHandler {
 public:
  explicit Guard(std::string file) : file_(std::move(file)) {}

  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& m, YAML::anchor_t a) override { leaf(m, a, ""); }
  void OnScalar(const YAML::Mark& m, const std::string& tag, YAML::anchor_t a,
                const std::string& value) override {
    leaf(m, a, tag);
    if (!stack_.empty() && stack_.back().map && stack_.back().children % 2 == 1)
      stack_.back().key = value;
  }
  void OnAlias(const YAML::Mark& m, YAML::anchor_t a) override {
    if (a >= sizes_.size() || sizes_[a].nodes == 0)
      fail(m, "an alias inside the node it names (a cycle)");
    const Size& s = sizes_[a];
    if (!s.scalar) not_a_key(m, "an alias to a map or list");
    add(m, s.nodes, s.depth);
  }
  void OnSequenceStart(const YAML::Mark& m, const std::string& tag, YAML::anchor_t a,
                       YAML::EmitterStyle::value) override {
    open(m, tag, a, false);
  }
  void OnSequenceEnd() override { close(); }
  void OnMapStart(const YAML::Mark& m, const std::string& tag, YAML::anchor_t a,
                  YAML::EmitterStyle::value) override {
    open(m, tag, a, true);
  }
  void OnMapEnd() override { close(); }

 private:
  struct Frame {
    YAML::anchor_t anchor;
    bool map;
    size_t children = 0;  // a map counts keys and values
    size_t nodes = 1;     // itself and everything under it, aliases expanded
    int depth = 1;        // levels under and including it
    std::string key;      // a map: the last key, for messages
  };
  struct Size {
    size_t nodes = 0;  // 0: the anchored node has not ended yet
    int depth = 0;
    bool scalar = false;
  };

  std::string path() const {
    std::string p;
    for (size_t i = 0; i < stack_.size(); ++i) {
      const Frame& f = stack_[i];
      if (f.map) {
        const bool at_key = i + 1 == stack_.size() && f.children % 2 == 0;
        if (!f.key.empty() && !at_key) p += (p.empty() ? "" : ".") + f.key;
      } else {
        p += "[" + std::to_string(f.children) + "]";
      }
      if (p.size() > 80) return p.substr(0, 60) + "...";
    }
    return p;
  }
  [[noreturn]] void fail(const YAML::Mark& m, const std::string& msg) const {
    throw InputError({file_, m.line + 1, m.column + 1}, path(), msg);
  }
  void not_a_key(const YAML::Mark& m, const char* what) {
    if (!stack_.empty() && stack_.back().map && stack_.back().children % 2 == 0)
      fail(m, std::string("expected a plain key, got ") + what);
  }
  void check_tag(const YAML::Mark& m, const std::string& tag) {
    if (!tag.empty() && tag != "?" && tag != "!")
      fail(m, "tags (" + tag + ") are not supported in a scenario");
  }
  // A child of `nodes` nodes, `depth` deep, joins the open node.
  void add(const YAML::Mark& m, size_t nodes, int depth) {
    total_ += nodes;
    if (total_ > kMaxYamlNodes)
      fail(m, "the document expands to over " + std::to_string(kMaxYamlNodes) +
                  " nodes (aliases counted at their full size)");
    if (int(stack_.size()) + depth > kMaxYamlDepth)
      fail(m, "nested over " + std::to_string(kMaxYamlDepth) +
                  " levels deep (aliases counted at their full depth)");
    if (stack_.empty()) return;
    Frame& f = stack_.back();
    f.children += 1;
    f.nodes += nodes;
    f.depth = std::max(f.depth, depth + 1);
  }
  void record(YAML::anchor_t a, size_t nodes, int depth, bool scalar) {
    if (a == YAML::NullAnchor) return;
    if (sizes_.size() <= a) sizes_.resize(a + 1);
    sizes_[a] = {nodes, depth, scalar};
  }
  void leaf(const YAML::Mark& m, YAML::anchor_t a, const std::string& tag) {
    check_tag(m, tag);
    add(m, 1, 1);
    record(a, 1, 1, true);
  }
  void open(const YAML::Mark& m, const std::string& tag, YAML::anchor_t a, bool map) {
    check_tag(m, tag);
    not_a_key(m, map ? "a map" : "a list");
    if (int(stack_.size()) + 1 > kMaxYamlDepth)
      fail(m, "nested over " + std::to_string(kMaxYamlDepth) + " levels deep");
    if (a != YAML::NullAnchor) record(a, 0, 0, false);  // open: an alias to it is a cycle
    stack_.push_back({a, map});
  }
  void close() {
    Frame f = std::move(stack_.back());
    stack_.pop_back();
    record(f.anchor, f.nodes, f.depth, false);
    total_ += 1;
    if (!stack_.empty()) {
      Frame& p = stack_.back();
      p.children += 1;
      p.nodes += f.nodes;
      p.depth = std::max(p.depth, f.depth + 1);
    }
  }

  std::string file_;
  std::vector<Frame> stack_;
  std::vector<Size> sizes_;
  size_t total_ = 0;
};

}  // namespace

void check_yaml_text(std::string_view text, const std::string& file) {
  for (size_t i = 0; i < text.size();) {
    if (text[i] == '\0') throw InputError(mark_at(text, i, file), "", "a NUL byte in the file");
    const size_t n = utf8_length(text, i);
    if (n == 0)
      throw InputError(mark_at(text, i, file), "", "not UTF-8 (a scenario file is UTF-8 text)");
    i += n;
  }
  std::istringstream in{std::string(text)};
  YAML::Parser parser(in);
  Guard guard(file);
  try {
    if (!parser.HandleNextDocument(guard)) return;
    YAML::Mark second;
    struct Second : YAML::EventHandler {
      YAML::Mark* at;
      bool seen = false;
      void OnDocumentStart(const YAML::Mark& m) override {
        if (!seen) *at = m;
        seen = true;
      }
      void OnDocumentEnd() override {}
      void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
      void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
      void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                    const std::string&) override {}
      void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                           YAML::EmitterStyle::value) override {}
      void OnSequenceEnd() override {}
      void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                      YAML::EmitterStyle::value) override {}
      void OnMapEnd() override {}
    } next;
    next.at = &second;
    if (parser.HandleNextDocument(next))
      throw InputError({file, second.line + 1, second.column + 1}, "",
                       "a second YAML document: a scenario file holds one");
  } catch (const YAML::Exception&) {
    // Syntax errors are reported by the loader, which parses the text again.
  }
}

}  // namespace sim
