#include "host-sw/driver/flush_registry.h"

#include "models/config/config.h"

namespace sim {

// One line per policy, each defined in flush_<name>.cpp (window in flush_gather.cpp,
// per_pte_off_by_one in flush_per_pte.cpp).
extern const FlushPolicyInfo gather_flush, per_pte_flush, runs_flush, ranges_flush, window_flush,
    domain_flush, deferred_flush, none_flush, per_pte_off_by_one_flush;

namespace {
const FlushPolicyInfo* const kPolicies[] = {
    &gather_flush,   &per_pte_flush, &runs_flush,
    &ranges_flush,   &window_flush,  &domain_flush,
    &deferred_flush, &none_flush,    &per_pte_off_by_one_flush,
};
}  // namespace

std::span<const FlushPolicyInfo* const> flush_policies() {
  return kPolicies;
}

const FlushPolicyInfo* find_flush_policy(std::string_view name) {
  for (const FlushPolicyInfo* p : kPolicies)
    if (p->name == name) return p;
  return nullptr;
}

const std::vector<std::string>& flush_policy_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (const FlushPolicyInfo* p : kPolicies) v.emplace_back(p->name);
    return v;
  }();
  return names;
}

std::unique_ptr<FlushPolicy> make_flush_policy(const FlushConfig& c) {
  const FlushPolicyInfo* info = find_flush_policy(c.name);
  if (!info) return nullptr;
  std::unique_ptr<FlushPolicy> p = info->make();
  p->configure(c);
  return p;
}

FlushConfig read_flush(ConfigReader& r) {
  FlushConfig f;
  f.name = r.choice("flush", f.name, flush_policy_names());
  f.wait = r.boolean("wait", true);
  f.ats_inv = r.choice("ats_inv", "with_sync", {"with_sync", "skipped"}) == "with_sync";
  if (auto keys = find_flush_policy(f.name)->read_keys) keys(r, f);
  return f;
}

}  // namespace sim
