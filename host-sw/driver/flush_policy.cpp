#include "host-sw/driver/flush_policy.h"

namespace sim {

InvDescriptor covering_invalidation(uint16_t did, uint64_t start, uint64_t end,
                                    unsigned max_order) {
  uint64_t first = start >> 12, last = end >> 12;
  unsigned k = 0;
  while (k < 52 && (first >> k) != (last >> k)) ++k;
  if (k > max_order) return InvDescriptor::iotlb_domain(did);
  return InvDescriptor::iotlb_page(did, (first >> k) << k << 12, uint8_t(k), false);
}

std::vector<InvDescriptor> covering(uint16_t did, uint64_t start, uint64_t end,
                                    const InvCaps& caps) {
  const uint64_t first = start >> 12, pages = (end >> 12) - first + 1;
  switch (caps.encoding) {
    case InvEncoding::Pow2Aligned:
      return {covering_invalidation(did, start, end, caps.max_order)};
    case InvEncoding::ArbitraryRange:
      if (caps.max_order < 32 && pages > (1ull << caps.max_order))
        return {InvDescriptor::iotlb_domain(did)};
      return {InvDescriptor::iotlb_range(did, first << 12, uint32_t(pages))};
    case InvEncoding::PageOnly: {
      if (pages > 64) return {InvDescriptor::iotlb_domain(did)};
      std::vector<InvDescriptor> out;
      for (uint64_t p = 0; p < pages; ++p)
        out.push_back(InvDescriptor::iotlb_page(did, (first + p) << 12, 0, false));
      return out;
    }
  }
  return {InvDescriptor::iotlb_domain(did)};
}

}  // namespace sim
