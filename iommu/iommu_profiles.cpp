// The named hardware profiles of platform.iommu.profile. Each row is registered once,
// beside its values, and every value says which published figure it comes from. A
// value no publication gives stays at the model's default and the comment says so:
// a profile is as calibrated as its sources, no more. docs/scenario.md lists them and
// README.md's "How close to hardware" holds each against its measurements.
#include "iommu/iommu_profile.h"

#include "models/base/did_you_mean.h"
#include "models/config/config.h"

namespace sim {

namespace {

// Intel Xeon E5 (Sandy Bridge to Broadwell) VT-d, as pcie-bench measured it (Neugebauer
// et al., SIGCOMM'18, raw data set re-analysed: 4 KiB mappings, 64 B random reads,
// NFP6000 on Gen3 x8), with the invalidation costs of later VT-d measurements.
void intel_broadwell(IommuConfig& c) {
  // The knee of bandwidth against window lies between 256 KiB and 1 MiB; the capacity
  // fit gives 120-128 effective 4 KiB entries (512 KiB of reach). Ways: not published.
  c.iotlb.entries = 128;
  c.iotlb.ways = 8;
  // Miss-bound rate 17-22 M translations/s for 64-256 B reads, an isolated miss
  // about 250 ns: Little's law puts about 5 walks in flight.
  c.walkers = 5;
  // An isolated miss adds 230-300 ns to a 64 B read: one PTE read (memory latency,
  // 80 ns by default) plus 170 ns, with the upper levels in paging-structure caches
  // (a cold 4-level walk would add 4 reads). The cache's size is not published.
  c.walk_cache.entries = 32;
  c.walk_cache.ways = 4;
  c.walk_overhead = 170 * kNs;
  // Two figures set the invalidation costs together (scenarios/validation/
  // invalidation-cost.yaml holds the model to both, the host's own costs as host.cost
  // gives them): an IOTLB invalidation including its wait costs about 800 ns as the
  // CPU sees it (VT-d, Akaros commit 81b6433a), and putting the IOTLB and device-TLB
  // invalidations in one synchronous submission instead of two saves about 800 CPU
  // cycles, 270-400 ns at 2-3 GHz (2024 VT-d batching series). The saving is one wait
  // descriptor's processing plus the host's write, doorbell and poll round (~120 ns
  // here): a wait of 300 ns. The 800 ns, less the host's part, leave 400 ns for the
  // invalidation descriptor.
  c.invalidation.descriptor = 400 * kNs;
  c.invalidation.wait = 300 * kNs;
  // Linux batches up to 16 descriptors per synchronous submission
  // (QI_MAX_BATCHED_DESC_COUNT, same series); page-selective masks as VT-d encodes them.
  c.invalidation.batch = 16;
  c.invalidation.encoding = InvEncoding::Pow2Aligned;
}

// AMD EPYC AMD-Vi (v1 host page table). The only published AMD timing we hold is
// Farshin et al. (PeerJ CS 2023), who measured the IOTLB wall on Xeon Scalable and
// EPYC alike: up to 20% loss at 200 Gb/s with 4 KiB buffers, none with 2 MiB. No
// publication gives AMD's IOTLB size or walk time, so those keep pcie-bench's Intel
// figures (the validation scenario holds the result against Farshin's band).
void amd_epyc(IommuConfig& c) {
  intel_broadwell(c);  // IOTLB, walkers, walk time: no AMD figure, see above
  // The v1 host page table: Linux's amd iommu driver, 4 levels for a 48-bit space.
  c.format = "amd-v1";
  c.levels = 4;
  // INVALIDATE_IOMMU_PAGES encodes any naturally aligned power-of-two range (Linux
  // since 2021); only a range reaching bit 51 falls back to invalidate-all.
  c.invalidation.encoding = InvEncoding::Pow2Aligned;
  c.invalidation.max_order = 39;
  // The command buffer takes a domain's commands then one COMPLETION_WAIT; Linux sets
  // no batch limit below the buffer (the model caps a batch at the queue's 254 slots).
  c.invalidation.batch = 254;
}

// Arm SMMUv3 with HTTU (stage 1, DBM). Structure only: Linux's driver sends up to 64
// commands then a CMD_SYNC, with range TLBIs when SMMU_IDR3.RIL is set. No published
// measurement gives an SMMUv3's TLB size, walk time or command costs, so timing keeps
// the model's uncalibrated defaults.
void arm_smmuv3(IommuConfig& c) {
  c.format = "arm-s1";
  c.levels = 4;
  c.invalidation.encoding = InvEncoding::ArbitraryRange;
  c.invalidation.batch = 64;
}

}  // namespace

const std::vector<IommuProfile>& iommu_profiles() {
  static const std::vector<IommuProfile> all = {
      {"intel-broadwell", "VT-d after pcie-bench (SIGCOMM'18) and VT-d invalidation costs",
       intel_broadwell},
      {"amd-epyc", "AMD-Vi v1 tables; timing as intel-broadwell (no AMD figure published)",
       amd_epyc},
      {"arm-smmuv3", "SMMUv3 stage 1 with range TLBI and 64-command batches; timing uncalibrated",
       arm_smmuv3},
  };
  return all;
}

IommuConfig with_iommu_profile(ConfigReader& r, const IommuConfig& base) {
  if (!r.has("profile")) return base;  // the uncalibrated defaults (and no key in the output)
  const std::string name = r.text("profile");
  std::vector<std::string> names;
  for (const IommuProfile& p : iommu_profiles()) {
    if (name == p.name) {
      IommuConfig c = base;
      p.apply(c);
      return c;
    }
    names.push_back(p.name);
  }
  std::string known;
  for (const std::string& n : names) known += (known.empty() ? "" : ", ") + n;
  r.fail("profile",
         "no IOMMU profile '" + name + "'" + hint(name, names) + " (known: " + known + ")");
}

}  // namespace sim
