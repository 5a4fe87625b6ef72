#include "pcie/link.h"

namespace sim {

namespace {

using u128 = unsigned __int128;

// The spec's ACK-limit and flow-control update tables (PCIe Base Spec 5.0, Tables
// 3-7..3-9 and 2-46..2-48), as pcie-bench uses them: [gen1, gen2, gen3+][width][mps].
// Gen4 and later reuse gen3's values.
constexpr unsigned kMps[6] = {128, 256, 512, 1024, 2048, 4096};
constexpr unsigned kAck[3][6][6] = {{{237, 416, 559, 1071, 2095, 4143},
                                     {128, 217, 289, 545, 1057, 2081},
                                     {73, 118, 154, 282, 538, 1050},
                                     {67, 107, 86, 150, 278, 534},
                                     {48, 72, 86, 150, 278, 534},
                                     {33, 45, 52, 84, 148, 276}},
                                    {{288, 467, 610, 1122, 2146, 4194},
                                     {179, 268, 340, 596, 1108, 2132},
                                     {124, 169, 205, 333, 589, 1101},
                                     {118, 158, 137, 201, 329, 585},
                                     {99, 123, 137, 201, 329, 585},
                                     {84, 96, 103, 135, 199, 237}},
                                    {{333, 512, 655, 1167, 2191, 4239},
                                     {224, 313, 385, 641, 1153, 2177},
                                     {169, 214, 250, 378, 634, 1146},
                                     {163, 203, 182, 246, 374, 630},
                                     {144, 168, 182, 246, 374, 630},
                                     {129, 141, 148, 180, 244, 372}}};

// The flow-control table equals the ACK table but for two x32 entries.
unsigned fc_guide(unsigned g, unsigned w, unsigned m) {
  if (g == 0 && w == 5 && m == 4) return 248;
  if (g == 1 && w == 5 && m == 5) return 327;
  return kAck[g][w][m];
}

constexpr unsigned kDllpBytes = 8;  // 2 B framing + 4 B DLLP + 2 B CRC
constexpr unsigned kSkipLength = 4, kSkipInterval = 1538;

unsigned index_of(unsigned v, const unsigned* table, unsigned n) {
  for (unsigned i = 0; i < n; ++i)
    if (table[i] == v) return i;
  return 0;
}

}  // namespace

TlpOverheads tlp_overheads(const PcieConfig& c) {
  const unsigned framing = 8, generic = 4, addr = c.addressing == 64 ? 12 : 8, cpl = 8;
  const unsigned ecrc = c.ecrc ? 4 : 0;
  return {framing + generic + addr + ecrc, framing + generic + addr + ecrc,
          framing + generic + cpl + ecrc};
}

LinkRates link_rates(const PcieConfig& c) {
  static constexpr unsigned kMts[6] = {2500, 5000, 8000, 16000, 32000, 64000};
  unsigned enc_num = 128, enc_den = 130;
  if (c.gen <= 2) enc_num = 8, enc_den = 10;
  if (c.gen >= 6) enc_num = 242, enc_den = 256;  // FLIT mode, approximated as pcie-bench does
  static constexpr unsigned kWidths[6] = {1, 2, 4, 8, 16, 32};
  unsigned g = c.gen >= 3 ? 2 : c.gen - 1;
  unsigned w = index_of(c.width, kWidths, 6), m = index_of(c.mps, kMps, 6);
  LinkRates r;
  // raw bytes/s = MT/s * 1e6 * enc * lanes / 8
  r.raw_num = u128(kMts[c.gen - 1]) * 1'000'000 * enc_num * c.width;
  r.raw_den = u128(enc_den) * 8;
  // derating 1 - 8/ack - 8/fc - 4/1538 as one fraction
  u128 ack = kAck[g][w][m], fc = fc_guide(g, w, m);
  u128 den = ack * fc * kSkipInterval;
  u128 num = den - kDllpBytes * fc * kSkipInterval - kDllpBytes * ack * kSkipInterval -
             kSkipLength * ack * fc;
  r.tlp_num = r.raw_num * num;
  r.tlp_den = r.raw_den * den;
  return r;
}

double LinkRates::raw_gbps() const {
  return double(raw_num) / double(raw_den) * 8 / 1e9;
}
double LinkRates::tlp_gbps() const {
  return double(tlp_num) / double(tlp_den) * 8 / 1e9;
}

}  // namespace sim
