// The tables of names: every host operation and every flush policy is registered once,
// documented in docs/scenario.md, and reached by its name; a near miss gets "did you mean".
#include <doctest/doctest.h>

#include <fstream>
#include <set>
#include <sstream>

#include "host-sw/driver/flush_registry.h"
#include "host-sw/ops/load_host_config.h"
#include "host-sw/ops/op_registry.h"
#include "host-sw/vmm/tracker.h"
#include "models/base/input_error.h"

using namespace sim;

namespace {
std::string read_doc(const char* rel) {
  std::ifstream f(std::string(SIM_SOURCE_DIR) + "/" + rel);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// The error a host section with this one setup op gets ("" when it loads).
std::string load_error(const std::string& op_line) {
  ConfigDoc doc = ConfigDoc::from_string("setup:\n  - " + op_line + "\n", "host.yaml");
  ConfigReader r = doc.root();
  try {
    load_host_config(r, {"nic0"});
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST_CASE("every host operation is registered once, found by its name and documented") {
  const std::string doc = read_doc("docs/scenario.md");
  REQUIRE(!doc.empty());
  std::set<std::string_view> seen;
  for (const HostOpEntry* e : host_operations()) {
    CAPTURE(e->name);
    CHECK(seen.insert(e->name).second);
    CHECK(find_host_operation(e->name) == e);
    // A row of the operations table names it: "| `name` |" or "| `a` / `name` |".
    std::string quoted = "`";
    quoted.append(e->name).append("`");
    bool in_table = false;
    for (size_t at = doc.find(quoted); at != std::string::npos; at = doc.find(quoted, at + 1)) {
      const size_t line = doc.rfind('\n', at) + 1;
      const size_t bar = doc.find(" |", line);
      in_table |= doc.compare(line, 2, "| ") == 0 && at < bar;
    }
    CHECK(in_table);
  }
  CHECK(host_operation_names().size() == host_operations().size());
  CHECK(find_host_operation("ioas_alocate") == nullptr);
}

TEST_CASE("every flush policy is registered once, makes itself under its name and is documented") {
  const std::string doc = read_doc("docs/scenario.md");
  const size_t from = doc.find("Flush policies (");
  REQUIRE(from != std::string::npos);
  const std::string section = doc.substr(from, doc.find("\n\n", from) - from);
  std::set<std::string_view> seen;
  for (const FlushPolicyInfo* p : flush_policies()) {
    CAPTURE(p->name);
    CHECK(seen.insert(p->name).second);
    CHECK(find_flush_policy(p->name) == p);
    CHECK(make_flush_policy(p->name)->name() == p->name);
    std::string quoted = "`";
    quoted.append(p->name).append("`");
    CHECK(section.find(quoted) != std::string::npos);
  }
  CHECK(make_flush_policy("gatherr") == nullptr);
}

TEST_CASE("every migration tracker is registered once under its name and is documented") {
  const std::string doc = read_doc("docs/scenario.md");
  const size_t from = doc.find("Trackers (");
  REQUIRE(from != std::string::npos);
  const std::string section = doc.substr(from, doc.find("\n\n", from) - from);
  std::set<std::string_view> seen;
  REQUIRE(tracker_names().size() == trackers().size());
  for (size_t i = 0; i < trackers().size(); ++i) {
    const TrackerInfo* t = trackers()[i];
    CAPTURE(t->name);
    CHECK(seen.insert(t->name).second);
    CHECK(tracker_names()[i] == t->name);
    CHECK(bool(t->make));
    std::string quoted = "`";
    quoted.append(t->name).append("`");
    CHECK(section.find(quoted) != std::string::npos);
  }
  const std::string bad =
      load_error("{op: ioas_alloc, id: a}\n  - {op: migrate, ioas: a, tracker: iommuu}");
  CHECK(bad.find("expected one of iommu, type1") != std::string::npos);
  CHECK(bad.find("did you mean 'iommu'") != std::string::npos);
}

TEST_CASE("unknown names get the registry's names and a did-you-mean") {
  const std::string op = load_error("{op: ioas_aloc, id: x}");
  CHECK(op.find("expected one of ioas_alloc, ioas_destroy,") != std::string::npos);
  CHECK(op.find("did you mean 'ioas_alloc'") != std::string::npos);
  const std::string flush =
      load_error("{op: ioas_alloc, id: a}\n  - {op: migrate, ioas: a, flush: gathr}");
  CHECK(flush.find("expected one of gather, per_pte, runs,") != std::string::npos);
  CHECK(flush.find("did you mean 'gather'") != std::string::npos);
  CHECK(load_error("{op: ioas_alloc, id: a}").empty());
}
