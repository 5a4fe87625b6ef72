#pragma once
// platform.iommu.profile: named hardware profiles, each a set of IommuConfig values
// taken from a published measurement (iommu_profiles.cpp says which figure each value
// comes from). A profile replaces the defaults; every key the scenario or --set gives
// still wins, and config.resolved.yaml shows the values that result.
#include <string>
#include <vector>

#include "iommu/iommu_config.h"

namespace sim {

class ConfigReader;

struct IommuProfile {
  const char* name;
  const char* summary;  // the hardware and the measurements behind it
  void (*apply)(IommuConfig&);
};

// Every profile, in registration order.
const std::vector<IommuProfile>& iommu_profiles();
// `base` with `r`'s `profile` applied (unchanged when absent); an unknown name fails
// at the key with the known names.
IommuConfig with_iommu_profile(ConfigReader& r, const IommuConfig& base);

}  // namespace sim
