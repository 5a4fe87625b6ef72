// The stage-1 formats of nested translation, one line each.
#include "iommu/stage1_formats.h"

#include "iommu/arm_s1_format.h"
#include "iommu/vtd_fs_format.h"

namespace sim {

namespace {
const Stage1Registration kStage1Formats[] = {
    {Stage1Format::kVtdFs, "vtd-fs", 4, 5,
     [](unsigned levels) -> std::unique_ptr<PageTableFormat> {
       return std::make_unique<VtdFsFormat>(levels);
     },
     true},
    {Stage1Format::kArmS1, kArmS1Registration.name, kArmS1Registration.min_levels,
     kArmS1Registration.max_levels, kArmS1Registration.make, false},
};
}  // namespace

const Stage1Registration* stage1_format(Stage1Format code) {
  for (const Stage1Registration& r : kStage1Formats)
    if (r.code == code) return &r;
  return nullptr;
}

}  // namespace sim
