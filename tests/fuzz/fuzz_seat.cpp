// What a seat sends the server of `cyberdeter serve` (docs/wargame.md, "The seat
// protocol"): any bytes as a message. The bounded JSON reader takes or refuses them with
// a reason; what it takes it writes back as JSON that reads back the same; the words of
// an answer (a response with its statement, or a stance) are taken or refused with a
// reason, and so are the white cell's injects (an edit's fields, or its words as a
// decisions file has them) — never a crash, an exception or a hang.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "cyberdeter/wargame/inject.hpp"
#include "cyberdeter/wargame/intel.hpp"
#include "cyberdeter/wargame/json.hpp"
#include "cyberdeter/wargame/statement.hpp"
#include "fuzz_support.hpp"

namespace json = cyberdeter::wargame::json;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  std::string error;
  const auto v = json::parse(input, error);
  if (!v) {
    if (error.empty()) std::abort();  // a refusal always says why
  } else {
    const std::string text = v->dump();
    std::string again_error;
    const auto again = json::parse(text, again_error);
    if (!again || again->dump() != text) std::abort();
    // A share request is taken or refused with a reason.
    std::string share_error;
    const auto share = cyberdeter::wargame::parse_share(*v, share_error);
    if (!share && share_error.empty()) std::abort();
    if (share && (share->item == 0 || share->with.empty())) std::abort();
    if (const auto choice = v->string("choice")) {
      std::string why;
      const auto r = cyberdeter::wargame::parse_respond_words(*choice, why);
      if (!r && why.empty()) std::abort();
      why.clear();
      const auto s = cyberdeter::wargame::parse_stance_words(*choice, why);
      if (!s && why.empty()) std::abort();
      if (s) {
        // The canonical words read back as the same stance.
        const auto back = cyberdeter::wargame::parse_stance_words(
            cyberdeter::wargame::format_stance_words(*s), why);
        if (!back || back->stance != s->stance) std::abort();
      }
    }
    if (const json::Value* fields = v->find("fields")) {
      std::string why;
      const auto f = cyberdeter::wargame::inject_fields(*fields, why);
      if (!f && why.empty()) std::abort();
      if (f) {
        // An edit's words read back as the same fields.
        const cyberdeter::wargame::Inject edit{0, cyberdeter::wargame::InjectOp::edit, *f};
        const auto back = cyberdeter::wargame::parse_inject_words(
            cyberdeter::wargame::format_inject_words(edit), 0, why);
        if (!back || back->fields != *f) std::abort();
      }
    }
  }
  // The words alone, as the rest of the input.
  std::string why;
  (void)cyberdeter::wargame::parse_respond_words(input, why);
  (void)cyberdeter::wargame::parse_stance_words(input, why);
  why.clear();
  if (!cyberdeter::wargame::parse_inject_words(input, 0, why) && why.empty()) std::abort();
  (void)json::quote(input);
  return 0;
}
