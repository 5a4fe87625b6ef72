#pragma once
// What a failed call must leave exactly as it found it (fault injection compares a
// snapshot taken before each injected failure with one taken after): pins and the
// RLIMIT_MEMLOCK charge, each IOAS's areas, reserved and allowed ranges, alignment and
// domains, every pages object's pin counts, the objects, HWPTs, attachments and
// accesses, the kernel's own pages, each domain's page-table leaves, and what the
// hardware's caches hold when the embedding tells (the IOTLB).
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace sim {

struct HostSnapshot {
  std::map<std::string, std::string> items;  // "what" -> its value as text
  // Each domain's leaf entries (IOVA, address/size/permission) by domain ID.
  std::map<uint16_t, std::vector<std::pair<uint64_t, uint64_t>>> leaves;
};

// "" when equal, else what changed, one item per line ("pinned pages: 0 -> 16",
// "domain 3 leaves: 2 -> 5, first difference at 0x100000").
std::string snapshot_diff(const HostSnapshot& before, const HostSnapshot& after);

}  // namespace sim
