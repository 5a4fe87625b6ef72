#include "host-sw/ops/op_parse.h"

#include "models/base/did_you_mean.h"

namespace sim {

void OpNames::need(ConfigReader& r, const char* key, const std::set<std::string>& known,
                   const std::string& v, const char* what) const {
  if (known.count(v)) return;
  std::vector<std::string> cand(known.begin(), known.end());
  r.fail(key, std::string("no ") + what + " named '" + v + "'" + hint(v, cand));
}

std::string OpNames::new_object(ConfigReader& r, std::set<std::string>& kind, const char* key) {
  std::string id = r.text(key);
  for (const std::set<std::string>* other : objects())
    if (other != &kind && other->count(id))
      r.fail(key, "an object named '" + id +
                      "' exists already (IOASes, HWPTs, accesses, vIOMMUs, vDEVICEs, fault "
                      "objects, vEVENTQs and HW queues share one name space)");
  kind.insert(id);
  return id;
}

void OpNames::need_object(ConfigReader& r, const char* key, const std::set<std::string>& kind,
                          const std::string& v, const char* what) const {
  for (const std::set<std::string>* any : objects())
    if (any->count(v)) return;
  need(r, key, kind, v, what);  // fails, with the wanted kind's names as hints
}

std::string OpNames::device(ConfigReader& r, const char* key) const {
  std::string d = r.text(key);
  need(r, key, std::set<std::string>(devices.begin(), devices.end()), d, "device");
  return d;
}

uint64_t read_backing(ConfigReader& r, const char* key) {
  std::string b = r.choice(key, "4KiB", {"4KiB", "2MiB", "1GiB"});
  return b == "1GiB" ? 1ull << 30 : b == "2MiB" ? 2ull << 20 : 4096;
}

unsigned read_split_to(ConfigReader& r) {
  const std::string s = r.choice("split_to", "none", {"none", "4KiB", "2MiB"});
  return s == "none" ? 0 : s == "4KiB" ? 12 : 21;
}

void read_prot(ConfigReader& r, bool& readable, bool& writable) {
  std::string p = r.choice("prot", "rw", {"r", "w", "rw", "none"});
  readable = p.find('r') != std::string::npos;
  writable = p.find('w') != std::string::npos;
}

// Inclusive, so the whole space [0, U64_MAX] can be written.
std::vector<IovaRange> read_iova_ranges(ConfigReader& r, const char* key) {
  std::vector<IovaRange> out;
  for (const std::string& t : r.string_list(key)) {
    const size_t dash = t.find('-');
    if (t.find('+') == std::string::npos && dash != std::string::npos) {
      ParseResult a = parse_address(t.substr(0, dash)), b = parse_address(t.substr(dash + 1));
      if (!a.ok() || !b.ok())
        r.fail(key, "expected a range START+LENGTH or FIRST-LAST, got '" + t + "'");
      if (b.value < a.value) r.fail(key, "range '" + t + "': last before first");
      out.push_back({a.value, b.value});
    } else {
      RangeResult rr = parse_range(t);
      if (!rr.ok()) r.fail(key, rr.error);
      out.push_back({rr.value.start, rr.value.start + (rr.value.length - 1)});
    }
  }
  return out;
}

IovaArg read_iova(ConfigReader& r, const OpNames& n, const char* key) {
  IovaArg a;
  if (r.has(key) && n.saved_iovas.count(r.text(key)))
    a.ref = r.text(key);
  else
    a.value = r.address(key);
  return a;
}

std::string read_save_iova(ConfigReader& r, OpNames& n) {
  if (!r.has("save_iova")) return "";
  std::string name = r.text("save_iova");
  if (!n.saved_iovas.insert(name).second)
    r.fail("save_iova", "an IOVA named '" + name + "' is saved already");
  return name;
}

std::string read_ioas(ConfigReader& r, const OpNames& n, const char* key) {
  std::string id = r.text(key);
  n.need_object(r, key, n.ioas, id, "IOAS");
  return id;
}

std::string read_hwpt(ConfigReader& r, const OpNames& n) {
  std::string id = r.text("hwpt");
  n.need_object(r, "hwpt", n.hwpt, id, "HWPT");
  return id;
}

std::string read_access(ConfigReader& r, const OpNames& n) {
  std::string id = r.text("access");
  n.need_object(r, "access", n.access, id, "access");
  return id;
}

std::string read_viommu(ConfigReader& r, const OpNames& n) {
  std::string id = r.text("viommu");
  n.need_object(r, "viommu", n.viommu, id, "vIOMMU");
  return id;
}

std::string read_user(ConfigReader& r, const OpNames& n) {
  std::string user = r.text("user");
  n.need(r, "user", n.user, user, "VMM mapping");
  return user;
}

uint32_t read_flags(ConfigReader& r, std::initializer_list<const char*> names, const char* key) {
  uint32_t bits = 0;
  for (const std::string& f : r.string_list(key)) {
    uint32_t bit = 1, found = 0;
    std::string all;
    for (const char* name : names) {
      if (f == name) found = bit;
      all += std::string(all.empty() ? "" : ", ") + name;
      bit <<= 1;
    }
    if (!found) r.fail(key, "unknown flag '" + f + "' (expected " + all + ")");
    bits |= found;
  }
  return bits;
}

void expect_value(const char* what, const std::optional<uint64_t>& want, uint64_t got,
                  std::string& detail) {
  if (want && *want != got && detail.empty())
    detail = std::string("expected ") + what + " " + hex(*want) + ", got " + hex(got);
}

uint64_t read_bitmap_offset(ConfigReader& r) {
  const uint64_t off = r.size("bitmap_offset", 0);
  if (off >= 4096) r.fail("bitmap_offset", "expected an offset below 4096");
  return off;
}

void read_type1_bitmap(ConfigReader& r, VfioBitmapArgs& b) {
  b.page_size = r.size("page_size", 4096);
  if (r.has("bitmap_size")) b.bitmap_size = r.size("bitmap_size");
  b.bitmap_offset = read_bitmap_offset(r);
  if (r.has("bitmap_prefill")) b.prefill = r.range_list("bitmap_prefill");
  if (r.has("expect_dirty")) b.expect_dirty = r.range_list("expect_dirty");
}

}  // namespace sim
