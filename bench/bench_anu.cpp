// The ANU deterrence model on the engine against the same model as one hand-written loop
// (plain arrays, no events): attacks per CPU second on one thread. Both draw the same
// numbers from the same streams in the same order, so they give the same final table; the
// benchmark checks that before it measures. bench/README.md has the results.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <vector>

#include "cyberdeter/models/reference/anu.hpp"

namespace {

using namespace cyberdeter;
using models::anu::AnuParams;

// The original's rules as a C programmer would write them, with the same cache of each
// target's best intensity as the model. Returns the mean retaliation of each intensity.
std::vector<double> hand_loop(const AnuParams& p, const sim::RunId& id) {
  const std::uint32_t n = p.states, kn = p.intensities;
  const sim::StreamFactory streams(id);
  auto evolution = streams.stream(sim::StreamKey("anu.evolution"));
  std::vector<sim::RandomStream> attack, response;
  std::vector<double> table(std::size_t{n} * kn), ev(std::size_t{n} * kn), value(n);
  std::vector<std::uint32_t> ign(std::size_t{n} * kn), ret(std::size_t{n} * kn), best(n);
  for (std::uint32_t s = 0; s < n; ++s) {
    auto initial = streams.stream(sim::StreamKey("anu.initial", s));
    for (std::uint32_t k = 0; k < kn; ++k) table[s * kn + k] = initial.uniform();
    attack.push_back(streams.stream(sim::StreamKey("anu.attack", s)));
    response.push_back(streams.stream(sim::StreamKey("anu.response", s)));
  }
  const double attr = p.attribution, effect = p.retaliation_effect;
  const auto expected = [&](std::size_t c, std::uint32_t k) {
    const double p_no = static_cast<double>(ign[c]) / static_cast<double>(ign[c] + ret[c]);
    return static_cast<double>(k + 1) *
           (p_no + (1.0 - p_no) * (1.0 - attr) - (1.0 - p_no) * attr * effect);
  };
  const auto rescan = [&](std::uint32_t d) {
    std::uint32_t b = 0;
    for (std::uint32_t k = 1; k < kn; ++k) {
      if (ev[d * kn + k] > ev[d * kn + b]) b = k;
    }
    best[d] = b;
  };
  for (std::uint32_t turn = 0; turn < p.turns; ++turn) {
    for (std::uint32_t s = 0; s < n; ++s) value[s] = 0.0;
    for (std::size_t c = 0; c < ign.size(); ++c) ign[c] = ret[c] = 1;
    for (std::uint32_t d = 0; d < n; ++d) {
      for (std::uint32_t k = 0; k < kn; ++k) ev[d * kn + k] = expected(d * kn + k, k);
      rescan(d);
    }
    for (std::uint32_t round = 0; round < p.rounds_per_turn; ++round) {
      for (std::uint32_t a = 0; a < n; ++a) {
        std::uint32_t d = static_cast<std::uint32_t>(attack[a].below(n - 1));
        if (d >= a) ++d;
        std::uint32_t k;
        if (attack[a].uniform() > p.rationality) {
          k = static_cast<std::uint32_t>(attack[a].below(kn));
        } else {
          if (p.rationality == 0.0) {
            for (std::uint32_t j = 0; j < kn; ++j) ev[d * kn + j] = expected(d * kn + j, j);
            rescan(d);
          }
          k = best[d];
        }
        const double x = k + 1.0;
        const std::size_t c = std::size_t{d} * kn + k;
        bool hit;
        if (response[d].uniform() > table[c]) {
          value[a] += x;
          value[d] -= x * p.defender_cost;
          hit = false;
        } else if (response[d].uniform() > attr) {
          value[a] += x;
          value[d] -= x * p.retaliation_cost;
          hit = true;
        } else {
          value[a] -= x * effect;
          value[d] -= x * p.retaliation_cost;
          hit = true;
        }
        ++(hit ? ret[c] : ign[c]);
        if (p.rationality == 0.0) continue;  // best replies only when the draw is exactly 0
        const double before = ev[c];
        ev[c] = expected(c, k);
        if (k == best[d]) {
          if (ev[c] < before) rescan(d);
        } else if (ev[c] > ev[d * kn + best[d]] || (ev[c] == ev[d * kn + best[d]] && k < best[d])) {
          best[d] = k;
        }
      }
    }
    std::uint32_t lo = 0, hi = 0;
    for (std::uint32_t s = 1; s < n; ++s) {
      if (value[s] < value[lo]) lo = s;
      if (value[s] > value[hi]) hi = s;
    }
    for (std::uint32_t k = 0; k < kn; ++k) {
      double v = evolution.below(2) == 0 ? table[lo * kn + k] : table[hi * kn + k];
      if (evolution.uniform() < p.mutation) v = evolution.uniform();
      table[lo * kn + k] = v;
    }
  }
  std::vector<double> mean(kn, 0.0);
  for (std::uint32_t k = 0; k < kn; ++k) {
    for (std::uint32_t s = 0; s < n; ++s) mean[k] += table[s * kn + k];
    mean[k] /= n;
  }
  return mean;
}

AnuParams params(double rationality, double attribution) {
  AnuParams p;  // the original's constants, 50 turns per iteration
  p.turns = 50;
  p.rationality = rationality;
  p.attribution = attribution;
  p.trajectory_turns = 0;
  return p;
}

// The engine and the hand loop must compute the same thing before their speeds are compared.
void check_same(const AnuParams& p) {
  for (std::uint64_t r = 0; r < 3; ++r) {
    const auto engine = models::anu::run_anu(p, {20240601, r, {}});
    const auto hand = hand_loop(p, {20240601, r, {}});
    for (std::size_t k = 0; k < hand.size(); ++k) {
      if (engine.intensities[k].retaliation_mean != hand[k]) {
        std::fprintf(stderr, "bench_anu: the hand loop and the model differ at intensity %zu\n",
                     k + 1);
        std::exit(1);
      }
    }
  }
}

void BM_AnuEngine(benchmark::State& state) {
  const AnuParams p = params(static_cast<double>(state.range(0)) / 10.0, 0.9);
  check_same(p);
  std::uint64_t replication = 0, attacks = 0;
  for (auto _ : state) {
    const auto r = models::anu::run_anu(p, {1, replication++, {}});
    attacks += r.run.attacks;
    benchmark::DoNotOptimize(r.run.max_deterrence);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(attacks));
}

void BM_AnuHandLoop(benchmark::State& state) {
  const AnuParams p = params(static_cast<double>(state.range(0)) / 10.0, 0.9);
  std::uint64_t replication = 0, attacks = 0;
  for (auto _ : state) {
    const auto mean = hand_loop(p, {1, replication++, {}});
    attacks += std::uint64_t{p.states} * p.rounds_per_turn * p.turns;
    benchmark::DoNotOptimize(mean.data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(attacks));
}

// Rationality 0, 0.5 and 0.9 (argument / 10): from all random intensities to mostly best replies.
BENCHMARK(BM_AnuEngine)->Arg(0)->Arg(5)->Arg(9)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_AnuHandLoop)->Arg(0)->Arg(5)->Arg(9)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
