#pragma once
// The IO page-table format, shared by the hardware walker and the host driver, so
// new formats (AMD v1 with replicated PTEs, Arm stage 1 with DBM) come in behind
// this interface without touching either.
#include <cstdint>
#include <memory>
#include <string_view>

namespace sim {

struct Pte {
  bool present = false;
  bool leaf = false;  // maps a page (at level 1 always; higher levels for large pages)
  bool r = false, w = false;
  bool a = false, d = false;
  uint64_t addr = 0;  // next table, or the page's physical base
};

class PageTableFormat {
 public:
  virtual ~PageTableFormat() = default;
  virtual std::string_view name() const = 0;
  virtual unsigned levels() const = 0;  // the root is at this level, leaves at 1
  virtual unsigned iova_bits() const = 0;
  // Bytes an entry at `level` maps (4 KiB at level 1).
  virtual uint64_t entry_span(unsigned level) const = 0;
  virtual bool leaf_allowed(unsigned level) const = 0;
  virtual unsigned index(uint64_t iova, unsigned level) const = 0;
  virtual Pte decode(uint64_t raw, unsigned level) const = 0;
  virtual uint64_t make_leaf(uint64_t pa, unsigned level, bool r, bool w) const = 0;
  virtual uint64_t make_table(uint64_t pa) const = 0;
  // Hardware's update on an access: A always, D on a write.
  virtual uint64_t with_access(uint64_t raw, bool write) const = 0;
  virtual bool dirty(uint64_t raw) const = 0;
  virtual uint64_t without_dirty(uint64_t raw) const = 0;
  // Entries per table page.
  unsigned entries_per_table() const { return 512; }
};

// "vtd-ss" with 4 or 5 levels; nullptr for an unknown name.
std::unique_ptr<PageTableFormat> make_format(std::string_view name, unsigned levels);

}  // namespace sim
