// access_rw (IOMMU_TEST_OP_ACCESS_RW over iommufd_access_rw): an in-kernel access
// copies bytes to or from the IOAS with the CPU, through the user VA or (`slow_path`)
// the PFNs. A write gives its bytes as `data` (hex) or `pattern` (a seed: each byte a
// function of it and its IOVA); a read may expect `expect_data` or `expect_pattern`.
// The bytes are the simulated memory's. A write is a CPU write to guest memory that
// no dirty tracker sees (not the IOMMU's D bits, not a device's log, not KVM's log,
// which records the guest's own writes only): the migration's oracle hears of it, and
// names a page lost to it.
#include "host-sw/ops/byte_pattern.h"
#include "host-sw/ops/op_registry.h"

namespace sim {
namespace {

// Hex digits, two per byte ("0x" optional): the bytes as the buffer holds them.
std::vector<uint8_t> read_hex(ConfigReader& r, const char* key) {
  std::string s = r.text(key);
  if (s.starts_with("0x") || s.starts_with("0X")) s = s.substr(2);
  auto digit = [](char c) {
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
  };
  std::vector<uint8_t> out;
  if (s.empty() || s.size() % 2) r.fail(key, "expected hex bytes, two digits each");
  for (size_t i = 0; i < s.size(); i += 2) {
    const int hi = digit(s[i]), lo = digit(s[i + 1]);
    if (hi < 0 || lo < 0) r.fail(key, "expected hex bytes, two digits each");
    out.push_back(uint8_t(hi * 16 + lo));
  }
  return out;
}

struct AccessRw final : HostOperation {
  static constexpr uint64_t kMaxLength = 16ull << 20;  // the selftest's kvzalloc bound
  std::string access;
  IovaArg iova;
  uint64_t length = 0;
  bool write = false, slow_path = false;
  std::vector<uint8_t> data;        // written, or expected by a read
  std::optional<uint64_t> pattern;  // or the bytes' seed
  bool check = false;               // a read with an expectation

  void parse(ConfigReader& r, OpNames& n) {
    access = read_access(r, n);
    iova = read_iova(r, n, "iova");
    write = r.boolean("write", false);
    slow_path = r.boolean("slow_path", false);
    const char* bytes_key = write ? "data" : "expect_data";
    const char* seed_key = write ? "pattern" : "expect_pattern";
    for (const char* other : {write ? "expect_data" : "data", write ? "expect_pattern" : "pattern"})
      if (r.has(other))
        r.fail(other, write ? "a write gives `data` or `pattern`"
                            : "a read expects `expect_data` or `expect_pattern`");
    if (r.has(bytes_key) && r.has(seed_key)) r.fail(seed_key, "give bytes or a pattern, not both");
    if (r.has(bytes_key)) data = read_hex(r, bytes_key);
    if (r.has(seed_key)) pattern = uint64_t(r.integer(seed_key, 0, INT64_MAX));
    check = !write && (r.has(bytes_key) || pattern);
    if (write && data.empty() && !pattern) r.fail("write", "a write needs `data` or `pattern`");
    if (!r.has("length") && !data.empty()) {
      length = data.size();
    } else {
      length = r.size("length");
      if (!data.empty() && data.size() != length)
        r.fail(bytes_key, "holds " + std::to_string(data.size()) + " bytes, `length` is " +
                              std::to_string(length));
    }
  }

  uint8_t expected(uint64_t at, uint64_t i) const {
    return pattern ? pattern_byte(*pattern, at + i) : data[i];
  }

  Task<Errno> run(Host& h, OpOutcome& out) const override {
    const std::optional<uint64_t> at = h.resolve(iova, out);
    if (!at) co_return Errno::Einval;
    if (length > kMaxLength) co_return Errno::Enomem;
    auto it = h.accesses().find(access);
    if (it == h.accesses().end()) co_return Errno::Enoent;
    if (h.fail_alloc()) co_return Errno::Enomem;  // the kernel buffer (kvzalloc)
    std::vector<uint8_t> buf(length);
    if (write)
      for (uint64_t i = 0; i < length; ++i) buf[i] = expected(*at, i);
    std::vector<PhysRun> runs;
    uint64_t pinned = 0;
    const Errno e = it->second.access->rw(h.driver(), h.vmm(), h.memory(), *at, buf.data(), length,
                                          write, slow_path, runs, pinned);
    co_await h.cpu().charge(pinned * h.cpu().cost().pin_page);
    if (write && h.observer())
      for (const PhysRun& p : runs) h.observer()->access_write(p.pa, p.len, h.cpu().now());
    if (e == Errno::Ok && check)
      for (uint64_t i = 0; i < length; ++i)
        if (buf[i] != expected(*at, i)) {
          out.detail = "byte at IOVA " + hex(*at + i) + ": read " + hex(buf[i]) + ", expected " +
                       hex(expected(*at, i));
          break;
        }
    co_return e;
  }
};

}  // namespace
extern const HostOpEntry access_rw_op = host_op<AccessRw>("access_rw");
}  // namespace sim
