#pragma once
// The IO page-table format, shared by the hardware walker and the host driver: each
// format (vtd-ss, amd-v1 with replicated PTEs, arm-s1 with DBM) comes in behind this
// interface, and neither the walker nor the driver has format-specific code.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sim {

struct Pte {
  bool present = false;
  bool leaf = false;  // maps a page (at level 1 always; higher levels for large pages)
  bool r = false, w = false;
  // Writable only while the hardware tracks dirty state: Arm's writable-clean entry
  // (DBM=1, AP[2]=1), which hardware without HD treats as read-only.
  bool w_needs_tracking = false;
  bool a = false, d = false;
  uint8_t size_shift = 12;  // a leaf's page size (log2): may exceed its level's entry span
  uint64_t addr = 0;        // next table, or the page's physical base
};

// What a leaf grants. `dirty_capable`: the domain may track dirty state (Arm sets DBM
// on its writable leaves; the other formats need nothing for it).
struct LeafPerm {
  bool r = true, w = false, dirty_capable = false;
};

// What PageTableFormat::scan_leaves took.
struct LeafScan {
  unsigned end = 0;      // the first slot not taken (i1 when every one was)
  unsigned present = 0;  // leaves among the slots taken
  unsigned dirty = 0;    // of those, dirty ones: their slots are dirty_at[0, dirty)
};

class PageTableFormat {
 public:
  virtual ~PageTableFormat() = default;
  virtual std::string_view name() const = 0;
  virtual unsigned levels() const = 0;     // the root is at this level, leaves at 1
  virtual unsigned iova_bits() const = 0;  // at most 64
  // Bytes an entry at `level` maps (4 KiB at level 1): 9 index bits per level.
  uint64_t entry_span(unsigned level) const { return 1ull << (12 + 9 * (level - 1)); }
  unsigned index(uint64_t iova, unsigned level) const {
    return unsigned((iova >> (12 + 9 * (level - 1))) & 511);
  }
  // The page sizes the format's leaves can have: bit n set for 2^n bytes (as Linux's
  // pgsize_bitmap).
  virtual uint64_t page_sizes() const = 0;
  virtual Pte decode(uint64_t raw, unsigned level) const = 0;
  // A leaf of 2^size_shift bytes at `pa` (one of page_sizes()); written into each of
  // leaf_entries(size_shift) consecutive slots at leaf_level(size_shift).
  virtual uint64_t make_leaf(uint64_t pa, unsigned size_shift, LeafPerm p) const = 0;
  // A table entry at `level` pointing to the table of level - 1 at `pa`.
  virtual uint64_t make_table(uint64_t pa, unsigned level) const = 0;
  // Hardware's update on an access: A always, dirty state on a write.
  virtual uint64_t with_access(uint64_t raw, bool write) const = 0;
  // Hardware's update of a table entry a walk passes through (x86 first stage sets A
  // there too; the other formats have no such bit).
  virtual uint64_t table_with_access(uint64_t raw) const { return raw; }
  virtual bool dirty(uint64_t raw) const = 0;
  // Software's clean of a dirty leaf (VT-d and AMD: clear D; Arm: set AP[2]).
  virtual uint64_t without_dirty(uint64_t raw) const = 0;
  // Whether some leaf can be writable only while tracking (see Pte::w_needs_tracking).
  virtual bool clean_needs_tracking() const { return false; }
  // A harvest's pass over slots [i0, i1) of a table at `level` whose entries are single
  // leaves of the level's span (4 KiB at level 1, 2 MiB at level 2, ...): counts them,
  // writes the slot of each dirty one to `dirty_at` (cleaning it when `clean`). It stops
  // at the first slot it does not take, which the caller reads the general way: an entry
  // that is present but not such a leaf (a table pointer, an AMD replica), or one that
  // is absent as decode reads it unless `skip_absent`. One call per table, so a format
  // can scan with its own bit tests (the default decodes entry by entry; a format's own
  // takes exactly what it takes).
  virtual LeafScan scan_leaves(uint64_t* table, unsigned level, unsigned i0, unsigned i1,
                               bool clean, bool skip_absent, uint16_t* dirty_at) const;

  // The level whose table holds a leaf of 2^size_shift bytes: the highest whose entry
  // span does not exceed it.
  unsigned leaf_level(unsigned size_shift) const { return 1 + (size_shift - 12) / 9; }
  // Consecutive identical entries a leaf occupies there (AMD's replicated PTEs; 1 when
  // the size is the level's span).
  uint64_t leaf_entries(unsigned size_shift) const { return 1ull << ((size_shift - 12) % 9); }
  // Entries per table page.
  unsigned entries_per_table() const { return 512; }
};

// A format as the registry knows it, defined in the format's own file beside its
// implementation (the only place its name is written); page_table_format.cpp lists
// each once.
struct FormatRegistration {
  std::string_view name;
  unsigned min_levels, max_levels;  // the table level counts it admits
  std::unique_ptr<PageTableFormat> (*make)(unsigned levels);
};

// The registered formats' names, in registry order (for the loader and its "did you mean").
std::vector<std::string> format_names();
// nullptr for an unknown name or a level count the format does not have.
std::unique_ptr<PageTableFormat> make_format(std::string_view name, unsigned levels);
// The level counts a format admits, for the loader's message ({0, 0}: unknown).
std::pair<unsigned, unsigned> format_levels(std::string_view name);

}  // namespace sim
