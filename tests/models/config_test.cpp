#include <doctest/doctest.h>

#include "models/base/did_you_mean.h"
#include "models/config/config.h"

using namespace sim;

namespace {
std::string error_of(auto&& fn) {
  try {
    fn();
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}
}  // namespace

TEST_CASE("scalars of every type, with defaults recorded") {
  ConfigDoc d = ConfigDoc::from_string(
      "a: 4KiB\nb: 1.5us\nc: 10Gb/s\nd: 0x3000\ne: true\nf: 7\ng: hello\nh: lru\nr: 0x1000+4KiB\n",
      "t.yaml");
  ConfigReader r = d.root();
  CHECK(r.size("a") == 4096);
  CHECK(r.time_ps("b") == 1'500'000);
  CHECK(r.rate("c") == 1'250'000'000);
  CHECK(r.address("d") == 0x3000);
  CHECK(r.boolean("e"));
  CHECK(r.integer("f", 0, 10) == 7);
  CHECK(r.text("g") == "hello");
  CHECK(r.choice("h", {"lru", "fifo"}) == "lru");
  CHECK(r.range("r").length == 4096);
  CHECK(r.size("absent", 99) == 99);
  CHECK(r.time_ps("absent_t", 5 * kNs) == 5000);
  d.check_unknown_keys();
  std::string y = d.resolved_yaml();
  CHECK(y.find("a: 4KiB") != std::string::npos);
  CHECK(y.find("b: 1500ns") != std::string::npos);
  CHECK(y.find("absent: 99B") != std::string::npos);
  CHECK(y.find("absent_t: 5ns") != std::string::npos);
}

TEST_CASE("errors name file:line:column, the dotted key and what was expected") {
  ConfigDoc d = ConfigDoc::from_string("x: 1\nplatform:\n  pcie: {mps: 4kib}\n", "s.yaml");
  ConfigReader pcie = d.root().section("platform").section("pcie");
  CHECK(error_of([&] { pcie.size("mps"); }) ==
        "s.yaml:3:15: platform.pcie.mps: expected a size such as 4KiB, got '4kib' (unknown unit "
        "'kib')");
  ConfigDoc e = ConfigDoc::from_string("a: 9\n", "s.yaml");
  CHECK(error_of([&] { e.root().integer("a", 1, 6); }) ==
        "s.yaml:1:4: a: expected an integer from 1 to 6, got '9'");
  CHECK(error_of([&] { e.root().text("name"); }) ==
        "s.yaml:1:1: name: missing required key 'name'");
  ConfigDoc f = ConfigDoc::from_string("mode: translat\n", "s.yaml");
  CHECK(error_of([&] {
          f.root().choice("mode", {"translate", "passthrough"});
        })
            .find("expected one of translate, passthrough, got 'translat' (did you mean "
                  "'translate'?)") != std::string::npos);
  ConfigDoc g = ConfigDoc::from_string("m: [1, 2]\n", "s.yaml");
  CHECK(error_of([&] { g.root().size("m"); }).find("expected a size, got a list") !=
        std::string::npos);
}

TEST_CASE("duplicate keys at any depth are refused at the second one") {
  CHECK(error_of([] { ConfigDoc::from_string("a: 1\nb: {x: 1, x: 2}\n", "d.yaml"); }) ==
        "d.yaml:2:11: b.x: duplicate key 'x' (first at line 2)");
  CHECK(error_of([] { ConfigDoc::from_string("a: 1\nb: 2\na: 3\n", "d.yaml"); }) ==
        "d.yaml:3:1: a: duplicate key 'a' (first at line 1)");
  CHECK(error_of([] {
          ConfigDoc::from_string("l:\n  - {name: n, k: 1}\n  - {name: m, k: 1, k: 2}\n", "d.yaml");
        }).find("d.yaml:3:21: l.m.k: duplicate key") != std::string::npos);
}

TEST_CASE("empty files, tabs and syntax errors") {
  CHECK(error_of([] { ConfigDoc::from_string("", "e.yaml"); }).find("e.yaml:1:1:") == 0);
  CHECK(error_of([] { ConfigDoc::from_string("# nothing\n", "e.yaml"); }).find("empty") !=
        std::string::npos);
  CHECK(error_of([] { ConfigDoc::from_string("a: 1\nsim:\n\tend: 1us\n", "t.yaml"); }) ==
        "t.yaml:3:1: YAML syntax error: tabs are not allowed in YAML indentation; use spaces");
  CHECK(error_of([] { ConfigDoc::from_string("a: [1, 2\n", "t.yaml"); }).find("t.yaml:") == 0);
  CHECK(error_of([] { ConfigDoc::from_string("- 1\n- 2\n", "t.yaml"); }).find("top level") !=
        std::string::npos);
}

TEST_CASE("unknown keys are found after reading, with a hint") {
  ConfigDoc d = ConfigDoc::from_string("sim: {end: 1us, quantumm: 1us}\nextra: 1\n", "u.yaml");
  ConfigReader r = d.root();
  ConfigReader sim = r.map("sim");
  sim.time_ps("end");
  sim.time_ps("quantum", 0);
  CHECK(error_of([&] { d.check_unknown_keys(); }) ==
        "u.yaml:1:17: sim.quantumm: unknown key 'quantumm' (did you mean 'quantum'?)");
}

TEST_CASE("lists: elements named by name, id or index, resolved output round trip") {
  const char* text =
      "devices:\n  - {name: nic0, tags: 8}\n  - {name: ssd0}\nsteps:\n  - {op: a}\n"
      "  - {id: x, op: b}\n";
  ConfigDoc d = ConfigDoc::from_string(text, "l.yaml");
  auto read = [](ConfigDoc& doc) {
    std::vector<std::string> seen;
    ConfigReader r = doc.root();
    for (ConfigReader dev : r.list("devices")) {
      seen.push_back(dev.path() + ":" + std::to_string(dev.integer("tags", 32, 1, 1024)));
      dev.text("name");
    }
    for (ConfigReader s : r.list("steps")) {
      seen.push_back(s.path());
      s.text("op");
      s.text("id", "");
    }
    doc.check_unknown_keys();
    return seen;
  };
  auto first = read(d);
  CHECK(first ==
        std::vector<std::string>{"devices.nic0:8", "devices.ssd0:32", "steps[0]", "steps.x"});
  ConfigDoc again = ConfigDoc::from_string(d.resolved_yaml(), "resolved.yaml");
  CHECK(read(again) == first);
  CHECK(again.resolved_yaml() == d.resolved_yaml());
}

TEST_CASE("--set: by name, id and index, creates missing keys, errors cite the flag") {
  const char* text = "platform: {pcie: {mps: 256}}\ndevices:\n  - {name: nic0, tags: 8}\n";
  ConfigDoc d = ConfigDoc::from_string(text, "s.yaml");
  d.apply_set("platform.pcie.mps=512");
  d.apply_set("devices.nic0.tags=16");
  d.apply_set("platform.iommu.iotlb.entries=64");
  d.apply_set("sim.quantum=0");
  ConfigReader r = d.root();
  ConfigReader p = r.section("platform");
  CHECK(p.section("pcie").size("mps") == 512);
  CHECK(p.section("iommu").section("iotlb").integer("entries", 128, 1, 4096) == 64);
  CHECK(r.list("devices")[0].integer("tags", 1, 100) == 16);
  CHECK(r.section("sim").time_ps("quantum", 5) == 0);

  ConfigDoc e = ConfigDoc::from_string(text, "s.yaml");
  e.apply_set("devices[0].tags=big");
  CHECK(error_of([&] { e.root().list("devices")[0].integer("tags", 1, 100); }) ==
        "--set devices[0].tags=big: devices.nic0.tags: expected an integer from 1 to 100, got "
        "'big'");
  CHECK(error_of([&] {
          e.apply_set("devices.nic9.tags=1");
        }).find("no element named 'nic9' (did you mean 'nic0'?)") != std::string::npos);
  CHECK(error_of([&] { e.apply_set("nonsense"); }).find("expected PATH=VALUE") !=
        std::string::npos);
  ConfigDoc amb = ConfigDoc::from_string("l:\n  - {name: a}\n  - {name: a}\n", "s.yaml");
  CHECK(error_of([&] { amb.apply_set("l.a.x=1"); }).find("selects 2 elements") !=
        std::string::npos);
  ConfigDoc unk = ConfigDoc::from_string("sim: {end: 1us}\n", "s.yaml");
  unk.apply_set("sim.quantumm=1us");
  ConfigReader sim = unk.root().section("sim");
  sim.time_ps("end");
  sim.time_ps("quantum", 0);
  CHECK(error_of([&] { unk.check_unknown_keys(); }).find("--set sim.quantumm=1us") == 0);
}

TEST_CASE("keywords, sections and lists of ranges") {
  ConfigDoc d = ConfigDoc::from_string(
      "rate: max\nend: auto\ne: [\"0x1000+0x1000\", \"0x3000-0x3fff\"]\nn: []\n", "k.yaml");
  ConfigReader r = d.root();
  CHECK(r.is_keyword("rate", "max"));
  r.keyword("rate", "max");
  CHECK_FALSE(r.is_keyword("end", "max"));
  r.keyword("end", "auto");
  auto rs = r.range_list("e");
  REQUIRE(rs.size() == 2);
  CHECK(rs[1].start == 0x3000);
  CHECK(rs[1].length == 0x1000);
  CHECK(r.range_list("n").empty());
  CHECK(r.section("missing").size("x", 1) == 1);
  d.check_unknown_keys();
  CHECK(d.resolved_yaml().find("n: []") != std::string::npos);
}

TEST_CASE("did you mean") {
  std::vector<std::string> c = {"quantum", "end", "translate", "passthrough"};
  CHECK(did_you_mean("quantumm", c) == "quantum");
  CHECK(did_you_mean("ned", c) == "end");
  CHECK(did_you_mean("translat", c) == "translate");
  CHECK(did_you_mean("zzzzzz", c) == "");
  CHECK(hint("zzzzzz", c) == "");
}
