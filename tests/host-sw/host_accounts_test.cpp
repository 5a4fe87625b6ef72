// What the host's accounts say a harvest cost and covered.
#include <doctest/doctest.h>

#include "tests/host-sw/host_rig.h"

using namespace sim;
using sim::test::HostRig;

namespace {

HostRig* harvest(const std::string& flush) {
  auto* rig = new HostRig(
      std::string(sim::test::kTrackedGuest) +
      "  - {at: 20us, op: get_dirty_bitmap, hwpt: hwpt0, iova: 0, length: 16MiB, flush: " + flush +
      "}\n");
  rig->write_at(10 * kUs, 0x5000);
  rig->write_at(10 * kUs, 0x200000);
  rig->run();
  return rig;
}

double amplification(HostRig& rig) {
  return std::get<double>(*rig.stats.get("host.flush.amplification"));
}

}  // namespace

TEST_CASE("accounts: pages cleared and covered, by policy") {
  std::unique_ptr<HostRig> per_pte(harvest("per_pte"));
  CHECK(per_pte->stat("host.flush.pages_cleared") == 2);
  CHECK(per_pte->stat("host.inv.page_descriptors") == 2);
  CHECK(amplification(*per_pte) == doctest::Approx(1.0));

  std::unique_ptr<HostRig> gather(harvest("gather"));
  // Pages 0x5..0x200 fit one aligned block of 2^10 pages.
  CHECK(gather->stat("host.inv.page_descriptors") == 1);
  CHECK(amplification(*gather) == doctest::Approx(512.0));

  std::unique_ptr<HostRig> domain(harvest("domain"));
  // Enabling tracking flushes the domain too, but only the harvest's flush counts.
  CHECK(domain->stat("host.inv.domain_descriptors") == 2);
  CHECK(domain->stat("host.flush.pages_covered") == 4096);
  CHECK(amplification(*domain) == doctest::Approx(2048.0));
}

TEST_CASE("accounts: the harvest's time split adds up to what the CPU was charged for it") {
  std::unique_ptr<HostRig> rig(harvest("gather"));
  const int64_t walk = rig->stat("host.harvest.walk_ns"),
                clear = rig->stat("host.harvest.clear_ns");
  CHECK(walk > 0);
  CHECK(clear == 2 * 15);  // two atomic test-and-clears at 15 ns
  CHECK(rig->stat("host.harvest.wait_ns") > 0);
  CHECK(rig->stat("host.harvest.submit_ns") > 0);
}
