#pragma once
// The flush policies by name. Each policy registers once, in its own file
// (flush_<name>.cpp), its name, how to make it and the keys only it reads; the table in
// flush_registry.cpp lists them, one line each. "did you mean", the `flush:` choice and
// the docs' list (checked by a test) all read this table.
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "host-sw/driver/flush_policy.h"

namespace sim {

class ConfigReader;

struct FlushPolicyInfo {
  std::string_view name;
  std::unique_ptr<FlushPolicy> (*make)();
  void (*read_keys)(ConfigReader& r, FlushConfig& c) = nullptr;  // its own keys, if any
};

template <class P>
std::unique_ptr<FlushPolicy> make_policy() {
  return std::make_unique<P>();
}

// Every policy, in the order error messages list them.
std::span<const FlushPolicyInfo* const> flush_policies();
const FlushPolicyInfo* find_flush_policy(std::string_view name);  // nullptr when unknown
const std::vector<std::string>& flush_policy_names();

// `flush:` (a policy name) with `wait`, `ats_inv` and the keys of the policy it names.
FlushConfig read_flush(ConfigReader& r);

}  // namespace sim
