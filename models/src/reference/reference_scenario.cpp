#include <sstream>

#include "../toml_reader.hpp"
#include "cyberdeter/models/reference/reference.hpp"

namespace cyberdeter::models::reference {

bool is_reference_model(const std::string& model_name) {
  return model_name == "phold" || model_name == "hold";
}

ReferenceScenario load_reference_scenario(const std::string& path,
                                          const std::vector<std::string>& overrides) {
  using detail::Range;
  detail::Document doc = detail::parse_file(path);
  for (const auto& o : overrides) detail::apply_override(doc, o);

  ReferenceScenario sc;
  sc.path = path;
  sc.text = doc.text;
  detail::Reader root(doc, doc.root, "");
  if (!root.has("model")) root.fail_table("missing required key 'model' (\"phold\" or \"hold\")");
  const std::string model = root.choice("model", "", {"phold", "hold"});
  sc.model = model == "phold" ? ReferenceScenario::Model::phold : ReferenceScenario::Model::hold;

  if (auto run = root.table("run")) {
    sc.replications = static_cast<std::uint64_t>(run->integer("replications", 1, 1, 1'000'000'000));
    sc.seed = static_cast<std::uint64_t>(
        run->integer("seed", 1, 0, std::numeric_limits<std::int64_t>::max()));
    sc.horizon_days = run->number("horizon_days", sc.horizon_days,
                                  Range::open_closed(0.0, sim::to_days(sim::max_tick)));
    run->finish();
  }
  if (sc.model == ReferenceScenario::Model::phold) {
    if (auto t = root.table("phold")) {
      auto& p = sc.phold;
      p.logical_processes = static_cast<std::uint32_t>(
          t->integer("logical_processes", p.logical_processes, 1, 1'000'000));
      p.events_per_process = static_cast<std::uint32_t>(
          t->integer("events_per_process", p.events_per_process, 1, 1'000'000));
      p.remote_fraction = t->number("remote_fraction", p.remote_fraction, Range::probability());
      p.lookahead_days = t->number("lookahead_days", p.lookahead_days, Range::non_negative());
      p.mean_delay_days = t->number("mean_delay_days", p.mean_delay_days, Range::positive());
      t->finish();
      if (std::uint64_t{p.logical_processes} * p.events_per_process > 100'000'000) {
        t->fail_table("logical_processes * events_per_process must be at most 100,000,000");
      }
    }
  } else {
    if (auto t = root.table("hold")) {
      auto& h = sc.hold;
      h.pending = static_cast<std::uint32_t>(t->integer("pending", h.pending, 1, 100'000'000));
      h.mean_increment_days =
          t->number("mean_increment_days", h.mean_increment_days, Range::positive());
      t->finish();
    }
  }
  // A [phold] table in a hold scenario (or the reverse) is a mistake worth naming.
  root.finish();
  return sc;
}

std::string ReferenceScenario::resolved_toml() const {
  using detail::toml_number;
  std::ostringstream os;
  os << "model = \"" << (model == Model::phold ? "phold" : "hold") << "\"\n\n[run]\n"
     << "replications = " << replications << "\nseed = " << seed
     << "\nhorizon_days = " << toml_number(horizon_days) << "\n\n";
  if (model == Model::phold) {
    os << "[phold]\nlogical_processes = " << phold.logical_processes
       << "\nevents_per_process = " << phold.events_per_process
       << "\nremote_fraction = " << toml_number(phold.remote_fraction)
       << "\nlookahead_days = " << toml_number(phold.lookahead_days)
       << "\nmean_delay_days = " << toml_number(phold.mean_delay_days) << "\n";
  } else {
    os << "[hold]\npending = " << hold.pending
       << "\nmean_increment_days = " << toml_number(hold.mean_increment_days) << "\n";
  }
  return os.str();
}

ReferenceRun ReferenceScenario::run(std::uint64_t replication) const {
  const sim::RunId id{seed, replication, {}};
  const sim::Tick horizon = sim::to_ticks(horizon_days);
  return model == Model::phold ? run_phold(phold, id, horizon) : run_hold(hold, id, horizon);
}

}  // namespace cyberdeter::models::reference
