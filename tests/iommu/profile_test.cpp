// platform.iommu.profile: a profile's values replace the defaults, keys beside it win.
#include <doctest/doctest.h>

#include <set>

#include "iommu/iommu_config.h"
#include "iommu/iommu_profile.h"
#include "models/config/config.h"

using namespace sim;

namespace {
IommuConfig load(const std::string& yaml, std::string* resolved = nullptr) {
  ConfigDoc doc = ConfigDoc::from_string(yaml, "p.yaml");
  ConfigReader r = doc.root();
  IommuConfig c = load_iommu_config(r);
  doc.check_unknown_keys();
  if (resolved) *resolved = doc.resolved_yaml();
  return c;
}
}  // namespace

TEST_CASE("a profile sets its values, the scenario's keys still win, the output shows them") {
  std::string resolved;
  IommuConfig c = load("{profile: intel-broadwell, walkers: 7}", &resolved);
  CHECK(c.walk_cache.entries == 32);
  CHECK(c.walk_overhead == 170 * kNs);
  CHECK(c.invalidation.descriptor == 400 * kNs);
  CHECK(c.invalidation.iotlb_page == 400 * kNs);  // kinds follow the profile's descriptor
  CHECK(c.walkers == 7);
  CHECK(resolved.find("profile: intel-broadwell") != std::string::npos);
  CHECK(resolved.find("walk_overhead: 170ns") != std::string::npos);
  CHECK(load("{profile: amd-epyc}").format == "amd-v1");
  CHECK(load("{profile: arm-smmuv3}").invalidation.encoding == InvEncoding::ArbitraryRange);
}

TEST_CASE("no profile: the uncalibrated defaults, and no profile key in the output") {
  std::string resolved;
  IommuConfig c = load("{walkers: 5}", &resolved);
  CHECK(c.walk_cache.entries == 0);
  CHECK(c.walk_overhead == IommuConfig{}.walk_overhead);
  CHECK(resolved.find("profile") == std::string::npos);
}

TEST_CASE("an unknown profile fails at the key with the known names and a hint") {
  std::string what;
  try {
    load("{profile: intel-brodwell}");
  } catch (const InputError& e) {
    what = e.what();
  }
  CHECK(what.find("profile") != std::string::npos);
  CHECK(what.find("did you mean 'intel-broadwell'") != std::string::npos);
  CHECK(what.find("arm-smmuv3") != std::string::npos);
  // Every name is registered once.
  std::set<std::string> names;
  for (const IommuProfile& p : iommu_profiles()) CHECK(names.insert(p.name).second);
}
