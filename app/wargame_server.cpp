// The seat server of `cyberdeter serve` (wargame_server.hpp; docs/wargame.md, "The seat
// protocol").

#include "wargame_server.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <cctype>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <fstream>
#include <future>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <stdexcept>
#include <thread>

#include "cli_common.hpp"
#include "cyberdeter/models/deterrence/wargame.hpp"
#include "cyberdeter/wargame/briefs.hpp"
#include "cyberdeter/wargame/inject.hpp"
#include "cyberdeter/wargame/intel.hpp"
#include "cyberdeter/wargame/json.hpp"
#include "cyberdeter/wargame/record.hpp"
#include "cyberdeter/wargame/statement.hpp"
#include "cyberdeter/wargame/text.hpp"
#include "wargame_web.hpp"

namespace cyberdeter::app {

namespace det = models::deterrence;
namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace http = beast::http;
using tcp = net::ip::tcp;
using wargame::Clock;
namespace json = wargame::json;

std::string random_token() {
  std::random_device rd;  // the system's random source (getrandom on Linux)
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 4; ++i) {
    std::uint32_t v = rd();
    for (int k = 0; k < 8; ++k) {
      out += hex[v & 0xF];
      v >>= 4;
    }
  }
  return out;
}

bool same_token(const std::string& a, const std::string& b) noexcept {
  // Every byte of the longer string is visited, whatever the contents.
  const std::size_t n = std::max(a.size(), b.size());
  unsigned diff = a.size() == b.size() ? 0U : 1U;
  for (std::size_t i = 0; i < n; ++i) {
    const auto x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0U;
    const auto y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0U;
    diff |= x ^ y;
  }
  return diff == 0 && !a.empty();
}

namespace {

constexpr const char* white_cell_name = "white cell";
constexpr const char* observer_name = "observer";

enum class Role { none, seat, white, observer };

std::string url_escape(const std::string& s) {
  std::string out;
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) != 0 || c == '-' || c == '_' || c == '.') {
      out += c;
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", u);
      out += buf;
    }
  }
  return out;
}

json::Value draft_json(const det::StatementDraft& d) {
  json::Value v = json::object();
  v.set("evidence", d.evidence);
  v.set("likelihood", d.likelihood < 0 ? json::Value(nullptr)
                                       : json::Value(wargame::likelihood_word(d.likelihood)));
  v.set("release_days", d.release_days ? json::Value(*d.release_days) : json::Value(nullptr));
  v.set("consent", det::to_string(d.consent));
  return v;
}

}  // namespace

// Everything the network thread and the session thread share. The network thread owns
// the connections; the rest is guarded by `m`.
struct ServerFrontEnd::Hub : std::enable_shared_from_this<ServerFrontEnd::Hub> {
  struct Connection;

  const det::Scenario& sc;
  std::vector<std::size_t> seats;
  ServerSettings settings;
  std::map<std::size_t, std::string> tokens;  // seat state -> token
  std::string white_token;
  net::io_context ioc{1};
  tcp::acceptor acceptor{ioc};
  std::thread thread;
  std::set<std::shared_ptr<Connection>> connections;  // network thread only
  std::uint64_t next_connection = 1;
  Clock::time_point started = Clock::now();

  std::mutex log_m;
  std::FILE* log = nullptr;

  // Shared with the session thread.
  std::mutex m;
  std::condition_variable cv;
  std::vector<wargame::Form> forms;      // the move's forms under way
  std::uint64_t round = 0;               // how many times forms were put out
  std::vector<std::vector<bool>> taken;  // answered items
  std::vector<Clock::time_point> shown;  // when each form went out
  std::vector<std::optional<Clock::time_point>> deadlines;
  struct Given {
    std::size_t form, item;
    wargame::Answer answer;
  };
  std::deque<Given> given;
  bool end_move = false;
  // The white cell's clock: time paused so far (a pause moves every deadline later by its
  // length), and per move the pause total when the move began and the white cell's own
  // deadline, which replaces the session's for the rest of the move.
  std::optional<Clock::time_point> paused_since;
  Clock::duration paused_total{};
  std::map<std::uint32_t, Clock::duration> move_base;
  std::map<std::uint32_t, std::pair<Clock::time_point, Clock::duration>> move_override;

  Clock::duration paused_now() const {
    return paused_total + (paused_since ? Clock::now() - *paused_since : Clock::duration{});
  }
  // When a move's time runs out, given the session's deadline: later by the pauses since
  // the move began (or since the white cell set it). With `m` held.
  std::optional<Clock::time_point> effective(std::uint32_t move,
                                             std::optional<Clock::time_point> session) {
    if (const auto o = move_override.find(move); o != move_override.end()) {
      return o->second.first + (paused_now() - o->second.second);
    }
    if (!session) return std::nullopt;
    const auto base = move_base.try_emplace(move, paused_now()).first->second;
    return *session + (paused_now() - base);
  }
  struct Turn {
    std::uint32_t state = 0;
    std::uint32_t move = 0;
    det::TurnBrief brief;
    std::string text;
    Clock::time_point shown;
    std::optional<Clock::time_point> deadline;
    std::optional<wargame::ActionAnswer> action;
  };
  std::optional<Turn> turn;
  // What went public so far ("published" messages), shown to whoever (re)joins.
  std::vector<json::Value> public_record;
  // The seats' intelligence (docs/wargame.md, "Intelligence and sharing"), guarded by
  // `intel_m`; a thread that needs both takes `m` first.
  std::mutex intel_m;
  std::optional<wargame::Inbox> inbox;

  // The white cell's changes to the session (injects, a jump of the clock): queued by the
  // network thread, carried out by the session's thread while it waits for answers.
  wargame::WhiteCell* control = nullptr;  // session thread only
  std::deque<json::Value> white_requests;
  bool jumping = false;  // the move under way ends now, its questions by default (jump)
  json::Value inject_list = json::array();
  std::vector<json::Value> adjudications;  // the model's proposals under review
  bool reviewing = false;
  bool adjudicated = false;   // the white cell accepted the rest
  int white_connections = 0;  // network thread only

  Hub(const det::Scenario& scenario, std::vector<std::size_t> s, ServerSettings set)
      : sc(scenario), seats(std::move(s)), settings(std::move(set)) {}

  const std::string& name_of(std::size_t state) const { return sc.states.at(state).name; }

  void write_log(const char* dir, const std::string& peer, const json::Value& message) {
    std::lock_guard lock(log_m);
    if (log == nullptr) return;
    json::Value line = json::object();
    line.set("t", std::chrono::duration<double>(Clock::now() - started).count());
    line.set("dir", dir);
    line.set("peer", peer);
    line.set("message", message);
    const std::string text = line.dump() + "\n";
    std::fwrite(text.data(), 1, text.size(), log);
    std::fflush(log);
  }

  // --- connections (network thread) ---

  struct Connection : std::enable_shared_from_this<Connection> {
    std::shared_ptr<Hub> hub;
    websocket::stream<beast::tcp_stream> ws;
    beast::flat_buffer buffer;
    std::deque<std::shared_ptr<const std::string>> out;
    bool writing = false;
    bool closing = false;
    Role role = Role::none;
    std::size_t state = 0;
    std::uint64_t id = 0;
    double bucket = 0.0;
    Clock::time_point last = Clock::now();

    Connection(std::shared_ptr<Hub> h, beast::tcp_stream stream)
        : hub(std::move(h)), ws(std::move(stream)) {
      bucket = hub->settings.burst;
    }

    std::string peer() const {
      switch (role) {
        case Role::seat: return hub->name_of(state) + "#" + std::to_string(id);
        case Role::white: return std::string(white_cell_name) + "#" + std::to_string(id);
        case Role::observer: return std::string(observer_name) + "#" + std::to_string(id);
        default: return "#" + std::to_string(id);
      }
    }

    http::request<http::string_body> upgrade;  // kept until the handshake is done

    void start(http::request<http::string_body> request) {
      upgrade = std::move(request);
      beast::get_lowest_layer(ws).expires_never();
      ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
      ws.read_message_max(hub->settings.max_message_bytes);
      ws.text(true);
      ws.async_accept(upgrade, [self = shared_from_this()](beast::error_code ec) {
        if (ec) return self->drop();
        self->read();
      });
    }

    void read() {
      ws.async_read(buffer, [self = shared_from_this()](beast::error_code ec, std::size_t) {
        if (ec) return self->drop();
        const std::string text = beast::buffers_to_string(self->buffer.data());
        self->buffer.consume(self->buffer.size());
        try {
          self->hub->receive(*self, text);
        } catch (const std::exception& e) {
          // A bad message never stops the server.
          self->send_error(std::string("refused: ") + e.what());
        }
        if (!self->closing) self->read();
      });
    }

    void send(std::shared_ptr<const std::string> text) {
      if (closing) return;
      if (out.size() >= 1024) {  // a reader that does not read is dropped
        close();
        return;
      }
      out.push_back(std::move(text));
      if (!writing) write_next();
    }

    void write_next() {
      if (out.empty()) {
        writing = false;
        if (closing) finish_close();
        return;
      }
      writing = true;
      ws.async_write(net::buffer(*out.front()),
                     [self = shared_from_this()](beast::error_code ec, std::size_t) {
                       if (ec) return self->drop();
                       self->out.pop_front();
                       self->write_next();
                     });
    }

    void send_error(const std::string& why) {
      json::Value e = json::object();
      e.set("type", "error").set("error", why);
      hub->write_log("out", peer(), e);
      send(std::make_shared<const std::string>(e.dump()));
    }

    void close() {
      closing = true;
      if (!writing) finish_close();
    }
    void finish_close() {
      ws.async_close(websocket::close_code::policy_error,
                     [self = shared_from_this()](beast::error_code) { self->drop(); });
    }
    void drop() {
      if (role == Role::white && hub->connections.count(shared_from_this()) == 1) {
        --hub->white_connections;
      }
      hub->connections.erase(shared_from_this());
    }

    // A token bucket: false when the connection sends faster than allowed.
    bool within_rate() {
      const auto now = Clock::now();
      bucket =
          std::min(hub->settings.burst, bucket + std::chrono::duration<double>(now - last).count() *
                                                     hub->settings.messages_per_second);
      last = now;
      if (bucket < 1.0) return false;
      bucket -= 1.0;
      return true;
    }
  };

  void accept() {
    acceptor.async_accept([self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
      if (ec) {
        if (ec == net::error::operation_aborted) return;
      } else if (self->connections.size() >= self->settings.max_connections) {
        beast::error_code ignored;
        socket.close(ignored);
      } else {
        std::make_shared<Request>(self, std::move(socket))->start();
      }
      self->accept();
    });
  }

  // A connection's first request: a WebSocket upgrade becomes a Connection; any other
  // GET is answered with a file of the web page (wargame/web/) and the connection closed.
  struct Request : std::enable_shared_from_this<Request> {
    std::shared_ptr<Hub> hub;
    beast::tcp_stream stream;
    beast::flat_buffer buffer;
    http::request_parser<http::string_body> parser;
    http::response<http::string_body> response;

    Request(std::shared_ptr<Hub> h, tcp::socket socket)
        : hub(std::move(h)), stream(std::move(socket)) {
      parser.header_limit(16 * 1024);
      parser.body_limit(4 * 1024);
    }

    void start() {
      stream.expires_after(std::chrono::seconds(20));
      http::async_read(stream, buffer, parser,
                       [self = shared_from_this()](beast::error_code ec, std::size_t) {
                         if (ec) return;
                         self->route();
                       });
    }

    void route() {
      if (websocket::is_upgrade(parser.get())) {
        auto c = std::make_shared<Connection>(hub, std::move(stream));
        c->id = hub->next_connection++;
        hub->connections.insert(c);
        c->start(parser.release());
        return;
      }
      const http::request<http::string_body>& req = parser.get();
      const std::string target(req.target().substr(0, req.target().find('?')));
      const WebFile* file = req.method() == http::verb::get ? web_file(target) : nullptr;
      response.version(req.version());
      response.keep_alive(false);
      response.set(http::field::server, "cyberdeter");
      response.set(http::field::cache_control, "no-store");
      response.set("X-Content-Type-Options", "nosniff");
      response.set("Content-Security-Policy",
                   "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:");
      if (file == nullptr) {
        response.result(http::status::not_found);
        response.set(http::field::content_type, "text/plain");
        response.body() = "not found\n";
      } else {
        response.result(http::status::ok);
        response.set(http::field::content_type, std::string(file->type));
        response.body() = std::string(file->content);
      }
      response.prepare_payload();
      http::async_write(stream, response,
                        [self = shared_from_this()](beast::error_code, std::size_t) {
                          beast::error_code ignored;
                          self->stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
                        });
    }
  };

  // Sends `message` to the connections `to` accepts; logs it once as sent to `label`.
  template <class To>
  void deliver(const std::string& label, const json::Value& message, To to) {
    write_log("out", label, message);
    auto text = std::make_shared<const std::string>(message.dump());
    for (const auto& c : std::vector(connections.begin(), connections.end())) {
      if (to(*c)) c->send(text);
    }
  }

  // To a seat's connections; the white cell receives a copy.
  void to_seat(std::size_t state, const json::Value& message) {
    deliver(name_of(state), message,
            [&](const Connection& c) { return c.role == Role::seat && c.state == state; });
    json::Value copy = json::object();
    copy.set("type", "copy").set("to", name_of(state)).set("message", message);
    deliver(white_cell_name, copy, [](const Connection& c) { return c.role == Role::white; });
  }
  void to_white(const json::Value& message) {
    deliver(white_cell_name, message, [](const Connection& c) { return c.role == Role::white; });
  }
  void to_all(const json::Value& message) {
    deliver("all", message, [](const Connection& c) { return c.role != Role::none; });
  }

  // --- what is shown (called with `m` held) ---

  json::Value form_json(std::size_t f) {
    const wargame::Form& form = forms[f];
    json::Value v = json::object();
    v.set("type", "form")
        .set("seat", name_of(form.state))
        .set("move", form.move)
        .set("from_day", form.from_day)
        .set("to_day", form.to_day)
        .set("follow_up", form.follow_up)
        .set("round", round);
    const auto deadline = effective(form.move, deadlines[f]);
    v.set("paused", paused_since.has_value());
    v.set("seconds_left",
          deadline ? json::Value(std::max(
                         0.0, std::chrono::duration<double>(*deadline - Clock::now()).count()))
                   : json::Value(nullptr));
    json::Value items = json::array();
    for (std::size_t i = 0; i < form.items.size(); ++i) {
      const wargame::FormItem& item = form.items[i];
      json::Value it = json::object();
      it.set("item", i)
          .set("kind", item.respond ? "respond" : "join")
          .set("day", item.day)
          .set("incident", item.key.incident)
          .set("summary", item.summary)
          .set("brief", item.brief)
          .set("answered", static_cast<bool>(taken[f][i]));
      if (item.respond) {
        json::Value options = json::array();
        for (const det::Rung r : item.respond->options()) options.push(wargame::rung_word(r));
        it.set("options", std::move(options))
            .set("recommended", wargame::rung_word(item.respond->recommended))
            .set("case_strength", item.respond->case_strength);
      } else {
        it.set("model_answer", item.join->model_answer ? "join" : "decline")
            .set("late", item.join->late)
            .set("leader", name_of(item.join->leader))
            .set("draft", draft_json(item.join->draft));
      }
      items.push(std::move(it));
    }
    v.set("items", std::move(items));
    return v;
  }

  json::Value turn_json() const {
    json::Value v = json::object();
    v.set("type", "turn")
        .set("seat", name_of(turn->state))
        .set("move", turn->move)
        .set("brief", turn->text);
    return v;
  }

  // What a connection that (re)joins needs to see of the move under way.
  void catch_up(Connection& c) {
    std::lock_guard lock(m);
    // The white cell sees each seat's channel as copies, as it does live.
    auto copy = [&](std::size_t state, json::Value message) {
      json::Value v = json::object();
      v.set("type", "copy").set("to", name_of(state)).set("message", std::move(message));
      return v;
    };
    for (std::size_t f = 0; f < forms.size(); ++f) {
      if (c.role == Role::white) send_to(c, copy(forms[f].state, form_json(f)));
      if (c.role == Role::seat && forms[f].state == c.state) send_to(c, form_json(f));
    }
    for (const json::Value& p : public_record) send_to(c, p);
    if (turn && c.role == Role::white) send_to(c, copy(turn->state, turn_json()));
    if (c.role == Role::white && reviewing) send_to(c, review_json());
    if (turn && c.role == Role::seat && turn->state == c.state) send_to(c, turn_json());
    send_inbox(c);
  }

  void send_to(Connection& c, const json::Value& message) {
    write_log("out", c.peer(), message);
    c.send(std::make_shared<const std::string>(message.dump()));
  }

  // --- what comes in (network thread) ---

  void receive(Connection& c, const std::string& text) {
    if (!c.within_rate()) {
      c.send_error("too many messages: at most " +
                   std::to_string(static_cast<int>(settings.messages_per_second)) +
                   " a second; the connection is closed");
      c.close();
      return;
    }
    std::string error;
    json::Limits limits;
    limits.max_bytes = settings.max_message_bytes;
    const auto parsed = json::parse(text, error, limits);
    if (!parsed || !parsed->is_object() || !parsed->string("type")) {
      write_log("in", c.peer(), json::Value(wargame::printable(text, 512)));
      c.send_error(parsed ? "a message is a JSON object with a \"type\"" : "not JSON: " + error);
      return;
    }
    const json::Value& msg = *parsed;
    const std::string type = *msg.string("type");
    if (type == "hello") {
      json::Value logged = msg;
      if (logged.find("token") != nullptr) logged.set("token", "(withheld)");
      write_log("in", c.peer(), logged);
      return hello(c, msg);
    }
    write_log("in", c.peer(), msg);
    if (c.role == Role::none) return c.send_error("say hello first, with your seat and token");
    if (type == "read") return read_channel(c, msg);
    if (c.role == Role::observer) return c.send_error("an observer only reads what is public");
    if (type == "answer") return answer(c, msg);
    if (type == "action") return action(c, msg);
    if (type == "injects") return injects(c);
    if (type == "inbox" || type == "item" || type == "share") return intelligence(c, type, msg);
    if (type == "inject" || type == "jump" || type == "override") {
      return white_request(c, type, msg);
    }
    if (type == "adjudicated") {
      if (c.role != Role::white) return c.send_error("only the white cell may send 'adjudicated'");
      std::lock_guard lock(m);
      adjudicated = true;
      cv.notify_all();
      return;
    }
    if (type == "end_move" || type == "deadline" || type == "pause" || type == "resume") {
      return white_cell(c, type, msg);
    }
    c.send_error("unknown message type '" + wargame::printable(type, 40) + "'");
  }

  void hello(Connection& c, const json::Value& msg) {
    if (c.role != Role::none) return c.send_error("you are seated already");
    const std::string seat = msg.string("seat").value_or("");
    const std::string token = msg.string("token").value_or("");
    json::Value welcome = json::object();
    welcome.set("type", "welcome")
        .set("scenario", sc.name.empty() ? sc.path : sc.name)
        .set("seat", seat);
    if (seat == observer_name) {
      c.role = Role::observer;
      welcome.set("role", "observer");
    } else if (seat == white_cell_name && settings.white_cell && same_token(token, white_token)) {
      c.role = Role::white;
      ++white_connections;
      welcome.set("role", "white cell");
    } else {
      bool found = false;
      for (const std::size_t s : seats) {
        // Every seat's token is compared, so the time does not tell which seat matched.
        const bool match = same_token(token, tokens.at(s));
        if (name_of(s) == seat && match) {
          found = true;
          c.state = s;
        }
      }
      if (!found) {
        c.send_error("no such seat, or not its token");
        c.close();
        return;
      }
      c.role = Role::seat;
      welcome.set("role", "seat");
    }
    send_to(c, welcome);
    catch_up(c);
  }

  // A request to see a channel again: one's own, or everything for the white cell.
  void read_channel(Connection& c, const json::Value& msg) {
    const auto seat = msg.string("seat");
    if (c.role == Role::observer) {
      if (seat) return c.send_error("an observer only reads what is public");
      return;
    }
    if (c.role == Role::seat && seat && *seat != name_of(c.state)) {
      return c.send_error("a seat reads only its own channel");
    }
    catch_up(c);
  }

  // The form of the seat's own state in the move under way (with `m` held).
  std::optional<std::size_t> form_of(std::size_t state) const {
    for (std::size_t f = 0; f < forms.size(); ++f) {
      if (forms[f].state == state) return f;
    }
    return std::nullopt;
  }

  void answer(Connection& c, const json::Value& msg) {
    if (c.role != Role::seat) return c.send_error("only a seat answers its questions");
    if (const auto seat = msg.string("seat"); seat && *seat != name_of(c.state)) {
      return c.send_error("a seat answers only for itself");
    }
    const auto item_number = msg.number("item");
    const std::string choice = msg.string("choice").value_or("");
    const std::string rationale = wargame::printable(msg.string("rationale").value_or(""), 1000);
    std::lock_guard lock(m);
    const auto f = form_of(c.state);
    if (!f) return c.send_error("no question is open for " + name_of(c.state));
    if (const auto move = msg.number("move"); move && *move != forms[*f].move) {
      return c.send_error("move " + std::to_string(forms[*f].move) + " is under way");
    }
    if (!item_number || *item_number < 0 || *item_number != std::floor(*item_number) ||
        *item_number >= static_cast<double>(forms[*f].items.size())) {
      return c.send_error("give the \"item\" number of a question of your form");
    }
    const auto i = static_cast<std::size_t>(*item_number);
    if (taken[*f][i]) return c.send_error("item " + std::to_string(i) + " is answered already");
    const wargame::FormItem& item = forms[*f].items[i];
    wargame::Answer a;
    a.rationale = rationale;
    a.seconds = std::chrono::duration<double>(Clock::now() - shown[*f]).count();
    std::string error;
    const std::string words = wargame::normalise_answer(choice);
    if (words == "default") {
      a.default_answer = true;
      a.value = item.respond ? static_cast<int>(item.respond->recommended)
                             : (item.join->model_answer ? 1 : 0);
    } else if (item.respond) {
      const auto r = wargame::parse_respond_words(words, error);
      if (!r) return c.send_error(error);
      const auto options = item.respond->options();
      if (std::find(options.begin(), options.end(), r->rung) == options.end()) {
        return c.send_error("'" + std::string(wargame::rung_word(r->rung)) +
                            "' is not an option of this case");
      }
      a.value = static_cast<int>(r->rung);
      a.words = wargame::format_draft_words(r->draft);
    } else {
      const auto s = wargame::parse_stance_words(words, error);
      if (!s) return c.send_error(error);
      a.value = s->stance == det::Stance::concur || s->stance == det::Stance::amend ? 1 : 0;
      a.words = wargame::format_stance_words(*s);
    }
    taken[*f][i] = true;
    given.push_back({*f, i, a});
    cv.notify_all();
    json::Value ack = json::object();
    ack.set("type", "ack").set("move", forms[*f].move).set("item", i).set("choice", words);
    to_seat(c.state, ack);
  }

  void action(Connection& c, const json::Value& msg) {
    if (c.role != Role::seat) return c.send_error("only a seat plays its turn");
    if (const auto seat = msg.string("seat"); seat && *seat != name_of(c.state)) {
      return c.send_error("a seat acts only for itself");
    }
    std::lock_guard lock(m);
    if (!turn || turn->state != c.state || turn->action) {
      return c.send_error("it is not " + name_of(c.state) + "'s turn");
    }
    const std::string words = msg.string("words").value_or("done");
    wargame::ActionAnswer a;
    try {
      a.action =
          wargame::normalise_answer(words).empty() || wargame::normalise_answer(words) == "done"
              ? det::DoctrineAction{}
              : det::parse_action(words, sc);
    } catch (const std::invalid_argument& e) {
      return c.send_error(e.what());
    }
    if (const auto why = det::check_action(sc, turn->brief, a.action)) return c.send_error(*why);
    a.rationale = wargame::printable(msg.string("rationale").value_or(""), 1000);
    a.seconds = std::chrono::duration<double>(Clock::now() - turn->shown).count();
    turn->action = a;
    cv.notify_all();
    json::Value ack = json::object();
    ack.set("type", "ack").set("move", turn->move).set("action", det::format_action(a.action, sc));
    to_seat(c.state, ack);
  }

  // The master events list: the scenario's scheduled events (docs/model.md §10.3) as the
  // injects so far made them, each with whether it is still to come after the move under
  // way (a snapshot the session's thread keeps up to date).
  void injects(Connection& c) {
    if (c.role != Role::white) return c.send_error("only the white cell reads the injects");
    std::lock_guard lock(m);
    json::Value v = json::object();
    v.set("type", "injects").set("injects", inject_list);
    send_to(c, v);
  }

  // A change only the white cell may make, queued for the session's thread.
  void white_request(Connection& c, const std::string& type, const json::Value& msg) {
    if (c.role != Role::white) {
      return c.send_error("only the white cell may send '" + type + "'");
    }
    std::lock_guard lock(m);
    if (white_requests.size() >= 64) return c.send_error("too many white-cell requests waiting");
    white_requests.push_back(msg);
    cv.notify_all();
  }

  void white_cell(Connection& c, const std::string& type, const json::Value& msg) {
    if (c.role != Role::white) return c.send_error("only the white cell runs the clock");
    std::lock_guard lock(m);
    const std::uint32_t move = !forms.empty() ? forms.front().move : turn ? turn->move : 0;
    if (type == "end_move") {
      end_move = true;
    } else if (type == "pause" || type == "resume") {
      if (type == "pause" && !paused_since) paused_since = Clock::now();
      if (type == "resume" && paused_since) {
        paused_total += Clock::now() - *paused_since;
        paused_since.reset();
      }
      json::Value clock = json::object();
      clock.set("type", "clock").set("phase", paused_since ? "paused" : "running");
      to_all(clock);
    } else {
      const auto seconds = msg.number("seconds");
      if (!seconds || !(*seconds >= 0.0 && *seconds <= 86400.0)) {
        return c.send_error("\"seconds\" from now, 0 to 86400");
      }
      if (move == 0) return c.send_error("no move is under way");
      const auto at = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                         std::chrono::duration<double>(*seconds));
      move_override[move] = {at, paused_now()};
    }
    cv.notify_all();
    json::Value ack = json::object();
    ack.set("type", "ack").set("white_cell", type);
    to_white(ack);
  }

  // --- intelligence and sharing (docs/wargame.md, "Intelligence and sharing") ---

  bool is_seat(std::size_t state) const {
    return std::find(seats.begin(), seats.end(), state) != seats.end();
  }

  // An item as `viewer` sees it: a seat sees who shared it with it, the holder also whom it
  // shared it with; the white cell (nullopt) sees everything. With `intel_m` held.
  json::Value item_json(const wargame::IntelItem& it, std::optional<std::size_t> viewer) const {
    json::Value v = json::object();
    const auto sponsor = sc.attackers.at(it.actor).sponsor;
    v.set("item", it.id)
        .set("incident", it.incident)
        .set("day", it.day)
        .set("holder", name_of(it.holder))
        .set("originator", name_of(it.originator))
        .set("actor", sc.attackers.at(it.actor).name)
        .set("sponsor", sponsor ? json::Value(name_of(*sponsor)) : json::Value(nullptr))
        .set("likelihood", wargame::likelihood_words(it.probability))
        .set("probability", std::round(it.probability * 100.0) / 100.0)
        .set("confidence", it.confidence)
        .set("source", it.source)
        .set("releasability", wargame::releasability_words(sc, it, seats));
    const bool holder = !viewer || *viewer == it.holder;
    const auto by = viewer ? inbox->shared_by(static_cast<std::uint32_t>(*viewer), it.id)
                           : std::optional<std::uint32_t>{};
    v.set("shared_by", by ? json::Value(name_of(*by)) : json::Value(nullptr));
    if (holder) {
      json::Value to = json::array();
      if (it.may_share) {
        for (const auto t : it.releasable) to.push(name_of(t));
      }
      json::Value with = json::array();
      for (const auto t : inbox->shared_with(it.id)) with.push(name_of(t));
      v.set("releasable_to", std::move(to)).set("shared_with", std::move(with));
    }
    return v;
  }

  // The inbox of a seat, or every item for the white cell.
  void send_inbox(Connection& c) {
    if (c.role != Role::seat && c.role != Role::white) return;
    std::lock_guard lock(intel_m);
    if (!inbox) return;
    const std::optional<std::size_t> viewer =
        c.role == Role::seat ? std::optional<std::size_t>(c.state) : std::nullopt;
    json::Value items = json::array();
    for (const auto id :
         inbox->inbox(viewer ? std::optional<std::uint32_t>(static_cast<std::uint32_t>(*viewer))
                             : std::nullopt)) {
      items.push(item_json(inbox->item(id), viewer));
    }
    json::Value v = json::object();
    v.set("type", "inbox").set("items", std::move(items));
    send_to(c, v);
  }

  // The items a move's forms bring (session thread): each new one goes to its holder,
  // and as a copy to the white cell.
  void add_intel(const std::vector<wargame::Form>& moves) {
    std::vector<json::Value> out;
    std::vector<std::size_t> to;
    {
      std::lock_guard lock(intel_m);
      if (!inbox) return;
      for (const auto& form : moves) {
        for (const auto& q : form.items) {
          const auto [it, added] = inbox->add(wargame::intel_of(sc, q, seats));
          if (!added) continue;
          json::Value v = json::object();
          v.set("type", "intel").set("item", item_json(*it, it->holder));
          out.push_back(std::move(v));
          to.push_back(it->holder);
        }
      }
    }
    post([hub = shared_from_this(), out = std::move(out), to = std::move(to)] {
      for (std::size_t i = 0; i < out.size(); ++i) hub->to_seat(to[i], out[i]);
    });
  }

  void intelligence(Connection& c, const std::string& type, const json::Value& msg) {
    if (c.role != Role::seat && c.role != Role::white) {
      return c.send_error("only a seat and the white cell read intelligence");
    }
    if (type == "inbox") return send_inbox(c);
    const std::optional<std::size_t> viewer =
        c.role == Role::seat ? std::optional<std::size_t>(c.state) : std::nullopt;
    if (type == "item") {
      const auto id = msg.number("item");
      std::lock_guard lock(intel_m);
      if (!id || !(*id >= 1.0 && *id <= 9007199254740992.0) || *id != std::floor(*id)) {
        return c.send_error("give the \"item\" number of an item of your inbox");
      }
      const auto n = static_cast<std::uint64_t>(*id);
      const wargame::IntelItem* it = nullptr;
      if (inbox) {
        it = viewer ? inbox->readable(static_cast<std::uint32_t>(*viewer), n) : inbox->find(n);
      }
      // The same answer whether the item exists or is another seat's.
      if (it == nullptr) return c.send_error("item " + std::to_string(n) + " is not in your inbox");
      json::Value v = json::object();
      v.set("type", "intel").set("item", item_json(*it, viewer));
      return send_to(c, v);
    }
    if (c.role != Role::seat) return c.send_error("only a seat shares its intelligence");
    if (const auto seat = msg.string("seat"); seat && *seat != name_of(c.state)) {
      return c.send_error("a seat shares only its own intelligence");
    }
    std::string error;
    const auto request = wargame::parse_share(msg, error);
    if (!request) return c.send_error(error);
    std::vector<std::uint32_t> to;
    for (const auto& name : request->with) {
      std::optional<std::size_t> found;
      for (const auto s : seats) {
        if (name_of(s) == name) found = s;
      }
      if (!found) return c.send_error("no seat '" + wargame::printable(name, 60) + "'");
      to.push_back(static_cast<std::uint32_t>(*found));
    }
    std::vector<std::pair<std::size_t, json::Value>> out;
    {
      std::lock_guard lock(intel_m);
      if (!inbox) return c.send_error("no intelligence in this session");
      const auto from = static_cast<std::uint32_t>(c.state);
      if (const auto why = inbox->refusal(from, request->item, to)) return c.send_error(*why);
      inbox->share(from, request->item, to);
      const wargame::IntelItem& it = inbox->item(request->item);
      json::Value ack = json::object();
      json::Value with = json::array();
      for (const auto t : to) with.push(name_of(t));
      ack.set("type", "ack").set("shared", it.id).set("with", std::move(with));
      out.emplace_back(c.state, std::move(ack));
      json::Value mine = json::object();
      mine.set("type", "intel").set("item", item_json(it, c.state));
      out.emplace_back(c.state, std::move(mine));
      for (const auto t : to) {
        json::Value theirs = json::object();
        theirs.set("type", "intel").set("item", item_json(it, t));
        out.emplace_back(t, std::move(theirs));
      }
    }
    for (const auto& [state, message] : out) to_seat(state, message);
  }

  // --- the hotwash ---

  json::Value hotwash_json(const std::vector<wargame::Decision>& decisions,
                           const wargame::PlayedRun& session,
                           const wargame::PlayedRun& doctrine) const {
    json::Value all = json::array();
    for (const std::size_t s : seats) {
      json::Value cases = json::array();
      for (const auto& k : wargame::seat_cases(decisions, session, s)) {
        json::Value v = json::object();
        v.set("incident", k.incident)
            .set("day", k.day)
            .set("victim", name_of(k.victim))
            .set("invited", k.invited)
            .set("choice", k.choice)
            .set("named", k.named >= 0
                              ? json::Value(sc.attackers.at(static_cast<std::size_t>(k.named)).name)
                              : json::Value(nullptr))
            .set("culprit", sc.attackers.at(k.culprit).name)
            .set("correct", k.correct)
            .set("false_flag", k.false_flag)
            .set("public", wargame::rung_word(static_cast<det::Rung>(k.rung_final)))
            .set("stated", k.stated ? json::Value(*k.stated) : json::Value(nullptr));
        cases.push(std::move(v));
      }
      json::Value brier = nullptr;
      if (const auto score = wargame::stated_score(decisions, session, s)) {
        brier = json::object();
        brier.set("stated", score->stated).set("right", score->right).set("score", score->brier);
      }
      json::Value rows = json::array();
      for (const auto& r : wargame::comparison_rows(sc, {s}, session, doctrine)) {
        json::Value v = json::object();
        v.set("section", r.section)
            .set("label", r.label)
            .set("session", r.first)
            .set("doctrine", r.second)
            .set("decimals", r.decimals);
        rows.push(std::move(v));
      }
      json::Value v = json::object();
      v.set("seat", name_of(s))
          .set("cases", std::move(cases))
          .set("brier", std::move(brier))
          .set("comparison", std::move(rows));
      all.push(std::move(v));
    }
    return all;
  }

  void post(std::function<void()> f) { net::post(ioc, std::move(f)); }

  // --- the white cell's changes (session thread) ---

  // The master events list from the session's world; with `m` held.
  void refresh_injects() {
    // Before the session starts: the scenario's events as written.
    const det::Scenario& w = control != nullptr ? control->world() : sc;
    const std::vector<bool> open = control != nullptr ? control->inject_pending()
                                                      : std::vector<bool>(w.scheduled.size(), true);
    json::Value list = json::array();
    for (std::size_t i = 0; i < w.scheduled.size(); ++i) {
      const det::ScheduledEvent& e = w.scheduled[i];
      const bool on_day = e.trigger == det::ScheduledTrigger::day;
      json::Value v = json::object();
      v.set("inject", i)
          .set("name", e.name)
          .set("enabled", e.enabled)
          .set("state", name_of(e.state))
          .set("action", det::to_string(e.action))
          .set("trigger", on_day ? "day" : "conditional")
          .set("day", e.day)
          .set("evidence", e.evidence)
          .set("target",
               e.target ? json::Value(w.attackers.at(*e.target).name) : json::Value(nullptr));
      json::Value signers = json::array();
      for (const std::size_t t : e.signers) signers.push(name_of(t));
      json::Value separate = json::array();
      for (const std::size_t t : e.separate) separate.push(name_of(t));
      v.set("signers", std::move(signers)).set("separate", std::move(separate));
      v.set("pending", e.enabled && open[i]);
      v.set("open", static_cast<bool>(open[i]));
      list.push(std::move(v));
    }
    inject_list = std::move(list);
  }

  void send_white(json::Value v) {
    post([hub = shared_from_this(), v = std::move(v)] { hub->to_white(v); });
  }

  // Carries out the white cell's queued requests (docs/wargame.md, "The white cell").
  void serve_white_cell() {
    std::deque<json::Value> requests;
    {
      std::lock_guard lock(m);
      requests.swap(white_requests);
    }
    for (const json::Value& msg : requests) {
      const std::string type = msg.string("type").value_or("");
      json::Value reply = json::object();
      std::optional<std::string> refused;
      if (control == nullptr) {
        refused = "the session takes no white-cell changes now";
      } else if (type == "inject") {
        refused = inject_request(msg, reply);
      } else if (type == "override") {
        refused = override_request(msg, reply);
      } else {
        refused = jump_request(msg, reply);
      }
      if (refused) {
        json::Value e = json::object();
        e.set("type", "error").set("error", *refused).set("refused", type);
        send_white(std::move(e));
        continue;
      }
      send_white(std::move(reply));
      if (type == "inject") {
        std::lock_guard lock(m);
        refresh_injects();
        json::Value v = json::object();
        v.set("type", "injects").set("injects", inject_list);
        send_white(std::move(v));
      }
    }
  }

  std::optional<std::string> inject_request(const json::Value& msg, json::Value& reply) {
    const auto index = msg.number("inject");
    if (!index || !(*index >= 0.0 && *index < 1e6) || std::floor(*index) != *index) {
      return "\"inject\": the index of a scheduled event of the list (0, 1, ...)";
    }
    const std::string op = msg.string("op").value_or("");
    wargame::Inject inject;
    inject.index = static_cast<std::size_t>(*index);
    if (op == "skip") {
      inject.op = wargame::InjectOp::skip;
    } else if (op == "publish") {
      inject.op = wargame::InjectOp::publish;
    } else if (op == "edit") {
      inject.op = wargame::InjectOp::edit;
      const json::Value* fields = msg.find("fields");
      std::string error;
      const auto f = fields != nullptr ? wargame::inject_fields(*fields, error) : std::nullopt;
      if (!f) return fields != nullptr ? error : "edit takes \"fields\": {\"day\": 600, ...}";
      inject.fields = *f;
    } else {
      return "\"op\": skip, publish or edit";
    }
    const json::Value* reason = msg.find("reason");
    if (reason != nullptr && !reason->is_string()) return "\"reason\": a string";
    const std::string why =
        wargame::printable(reason != nullptr ? reason->as_string() : std::string(), 1000);
    if (auto refused = control->inject(inject, why, 0.0)) return refused;
    reply.set("type", "ack")
        .set("white_cell", "inject")
        .set("inject", inject.index)
        .set("op", op)
        .set("words", wargame::format_inject_words(inject))
        .set("day", control->inject_day());
    return std::nullopt;
  }

  // The proposals under review as one message; with `m` held.
  json::Value review_json() const {
    json::Value list = json::array();
    for (const json::Value& a : adjudications) list.push(a);
    json::Value v = json::object();
    v.set("type", "review").set("adjudications", std::move(list));
    return v;
  }

  std::optional<std::string> override_request(const json::Value& msg, json::Value& reply) {
    const auto incident = msg.number("incident");
    if (!incident || !(*incident >= 0.0 && *incident < 1e15) ||
        std::floor(*incident) != *incident) {
      return "\"incident\": the incident of an adjudication";
    }
    const std::string word = msg.string("outcome").value_or("");
    const auto outcome = wargame::parse_outcome_word(word);
    if (!outcome) return "\"outcome\": joint, split, unjoined or blocked";
    const json::Value* reason = msg.find("reason");
    if (reason != nullptr && !reason->is_string()) return "\"reason\": a string";
    const std::string why =
        wargame::printable(reason != nullptr ? reason->as_string() : std::string(), 1000);
    const auto n = static_cast<std::uint64_t>(*incident);
    if (auto refused = control->overrule(n, *outcome, why, 0.0)) return refused;
    {
      std::lock_guard lock(m);
      for (json::Value& a : adjudications) {
        if (a.number("incident") == *incident) a.set("overridden", word).set("reason", why);
      }
    }
    reply.set("type", "ack").set("white_cell", "override").set("incident", n).set("outcome", word);
    return std::nullopt;
  }

  std::optional<std::string> jump_request(const json::Value& msg, json::Value& reply) {
    const auto day = msg.number("day");
    const auto days = msg.number("days");
    if (day.has_value() == days.has_value()) {
      return "jump takes \"day\" (the simulated day to reach) or \"days\" (how many from the "
             "end of the move under way)";
    }
    const double to = day ? *day : control->inject_day() + *days;
    if (auto refused = control->jump(to)) return refused;
    {
      std::lock_guard lock(m);
      jumping = true;
    }
    cv.notify_all();
    reply.set("type", "ack").set("white_cell", "jump").set("day", to);
    return std::nullopt;
  }
};

namespace {

// The tokens of a session: read back when the file exists (a resumed session keeps its
// links), created otherwise, readable by the owner only.
void load_or_make_tokens(ServerFrontEnd::Hub& hub) {
  std::map<std::string, std::string> read;
  std::ifstream in;
  if (hub.settings.reuse_tokens) in.open(hub.settings.tokens_path);
  if (in) {
    for (std::string line; std::getline(in, line);) {
      const auto tab = line.find('\t');
      if (tab != std::string::npos) read[line.substr(0, tab)] = line.substr(tab + 1);
    }
  }
  bool complete = true;
  for (const std::size_t s : hub.seats) complete = complete && read.count(hub.name_of(s)) == 1;
  if (hub.settings.white_cell) complete = complete && read.count(white_cell_name) == 1;
  if (!complete) {
    read.clear();
    for (const std::size_t s : hub.seats) read[hub.name_of(s)] = random_token();
    read[white_cell_name] = random_token();
    const mode_t old = ::umask(077);
    std::ofstream out(hub.settings.tokens_path, std::ios::trunc);
    ::umask(old);
    for (const auto& [name, token] : read) out << name << '\t' << token << '\n';
    if (!out) throw UsageError("cannot write the seats' tokens to " + hub.settings.tokens_path);
    ::chmod(hub.settings.tokens_path.c_str(), 0600);
  }
  for (const std::size_t s : hub.seats) hub.tokens[s] = read.at(hub.name_of(s));
  hub.white_token = read.count(white_cell_name) ? read.at(white_cell_name) : random_token();
}

wargame::Answer default_answer(const wargame::FormItem& item) {
  wargame::Answer a;
  a.default_answer = true;
  a.source = wargame::DecisionSource::timeout;
  a.value = item.respond ? static_cast<int>(item.respond->recommended)
                         : (item.join->model_answer ? 1 : 0);
  return a;
}

}  // namespace

ServerFrontEnd::ServerFrontEnd(const det::Scenario& sc, const std::vector<std::size_t>& seats,
                               const ServerSettings& settings)
    : hub_(std::make_shared<Hub>(sc, seats, settings)) {
  Hub& h = *hub_;
  for (const std::size_t s : seats) {
    if (h.name_of(s) == white_cell_name || h.name_of(s) == observer_name) {
      throw UsageError("a state named '" + h.name_of(s) + "' cannot have a seat");
    }
  }
  load_or_make_tokens(h);
  h.refresh_injects();
  beast::error_code ec;
  const auto address = net::ip::make_address(settings.bind, ec);
  if (ec) throw UsageError("--bind " + settings.bind + ": not an IP address");
  const tcp::endpoint endpoint(address, settings.port);
  h.acceptor.open(endpoint.protocol(), ec);
  if (!ec) h.acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) h.acceptor.bind(endpoint, ec);
  if (!ec) h.acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    throw UsageError("cannot listen on " + settings.bind + " port " +
                     std::to_string(settings.port) + ": " + ec.message());
  }
  if (!settings.intel_path.empty()) {
    try {
      h.inbox.emplace(sc, settings.intel_path, settings.reuse_tokens);
    } catch (const std::runtime_error& e) {
      throw UsageError(e.what());
    }
  }
  h.log = std::fopen(settings.messages_path.c_str(), "ab");
  if (h.log == nullptr) throw UsageError("cannot write the message log " + settings.messages_path);
  const auto port = h.acceptor.local_endpoint().port();
  const std::string host = address.is_v6() ? "[" + settings.bind + "]" : settings.bind;
  const std::string base = "ws://" + host + ":" + std::to_string(port) + "/";
  std::printf("Serving on %s (port %u)\n", base.c_str(), static_cast<unsigned>(port));
  if (!address.is_loopback()) {
    std::printf(
        "WARNING: listening on %s, not on loopback: anyone who can reach this address can\n"
        "connect. Seats and the white cell need their tokens; hand each link to its seat only.\n",
        settings.bind.c_str());
  }
  std::printf("Join links (each seat's token is its key; keep them apart):\n");
  for (const std::size_t s : seats) {
    std::printf("  %s: %s?seat=%s&token=%s\n", h.name_of(s).c_str(), base.c_str(),
                url_escape(h.name_of(s)).c_str(), h.tokens.at(s).c_str());
  }
  if (settings.white_cell) {
    std::printf("  white cell: %s?seat=%s&token=%s\n", base.c_str(),
                url_escape(white_cell_name).c_str(), h.white_token.c_str());
  }
  std::printf("  observers: %s?seat=observer\n", base.c_str());
  std::printf("The web page: each link with http:// for ws:// (http://%s:%u/?seat=...).\n",
              host.c_str(), static_cast<unsigned>(port));
  std::fflush(stdout);
  h.accept();
  h.thread = std::thread([hub = hub_] { hub->ioc.run(); });
}

ServerFrontEnd::~ServerFrontEnd() {
  hub_->post([hub = hub_] {
    beast::error_code ignored;
    hub->acceptor.close(ignored);
    hub->ioc.stop();
  });
  if (hub_->thread.joinable()) hub_->thread.join();
  std::lock_guard lock(hub_->log_m);
  if (hub_->log != nullptr) std::fclose(hub_->log);
  hub_->log = nullptr;
}

void ServerFrontEnd::form(
    const wargame::Form& form,
    const std::function<void(std::size_t, const wargame::Answer&)>& answered) {
  forms({form}, [&](std::size_t, std::size_t i, const wargame::Answer& a) { answered(i, a); });
}

void ServerFrontEnd::forms(
    const std::vector<wargame::Form>& forms,
    const std::function<void(std::size_t, std::size_t, const wargame::Answer&)>& answered) {
  Hub& h = *hub_;
  std::size_t left = 0;
  {
    std::lock_guard lock(h.m);
    h.forms = forms;
    ++h.round;
    h.taken.assign(forms.size(), {});
    h.shown.assign(forms.size(), Clock::now());
    h.deadlines.assign(forms.size(), std::nullopt);
    h.given.clear();
    h.end_move = false;
    h.jumping = false;
    h.refresh_injects();
    for (const auto& form : forms) h.move_base.try_emplace(form.move, h.paused_now());
    for (std::size_t f = 0; f < forms.size(); ++f) {
      h.taken[f].assign(forms[f].items.size(), false);
      h.deadlines[f] = forms[f].deadline;
      left += forms[f].items.size();
    }
  }
  h.add_intel(forms);
  const std::uint32_t move = forms.empty() ? 0 : forms.front().move;
  h.post([hub = hub_, move] {
    json::Value open = json::object();
    open.set("type", "move").set("move", move).set("phase", "open");
    hub->to_all(open);
    std::lock_guard lock(hub->m);
    for (std::size_t f = 0; f < hub->forms.size(); ++f) {
      hub->to_seat(hub->forms[f].state, hub->form_json(f));
    }
  });
  while (left > 0) {
    h.serve_white_cell();
    std::vector<Hub::Given> now_given;
    {
      std::unique_lock lock(h.m);
      // Wake at least every 200 ms to notice an interrupt.
      auto wake = Clock::now() + std::chrono::milliseconds(200);
      for (std::size_t f = 0; f < h.forms.size(); ++f) {
        const auto d = h.effective(h.forms[f].move, h.deadlines[f]);
        if (d && *d < wake) wake = *d;
      }
      h.cv.wait_until(lock, wake, [&] {
        return !h.given.empty() || h.end_move || h.jumping || !h.white_requests.empty();
      });
      now_given.assign(h.given.begin(), h.given.end());
      h.given.clear();
      const auto now = Clock::now();
      for (std::size_t f = 0; f < h.forms.size(); ++f) {
        const auto d = h.effective(h.forms[f].move, h.deadlines[f]);
        const bool over = h.end_move || h.jumping || (d && *d <= now);
        if (!over) continue;
        for (std::size_t i = 0; i < h.forms[f].items.size(); ++i) {
          if (h.taken[f][i]) continue;
          h.taken[f][i] = true;
          wargame::Answer a = default_answer(h.forms[f].items[i]);
          if (h.jumping) a.source = wargame::DecisionSource::jump;
          a.seconds = std::chrono::duration<double>(now - h.shown[f]).count();
          now_given.push_back({f, i, a});
        }
      }
    }
    // The session makes each answer durable (the journal) before it returns.
    for (const auto& g : now_given) {
      answered(g.form, g.item, g.answer);
      --left;
    }
    if (left > 0) check_interrupted();
  }
  {
    std::lock_guard lock(h.m);
    h.forms.clear();
    h.taken.clear();
    h.deadlines.clear();
    h.shown.clear();
  }
  h.post([hub = hub_, move] {
    json::Value closed = json::object();
    closed.set("type", "move").set("move", move).set("phase", "closed");
    hub->to_all(closed);
  });
}

wargame::ActionAnswer ServerFrontEnd::turn(const det::TurnBrief& b, const std::string& brief,
                                           std::uint32_t move,
                                           std::optional<Clock::time_point> deadline) {
  Hub& h = *hub_;
  {
    std::lock_guard lock(h.m);
    Hub::Turn t;
    t.state = b.state;
    t.move = move;
    t.brief = b;
    t.text = brief;
    t.shown = Clock::now();
    t.deadline = deadline;
    h.turn = std::move(t);
    h.end_move = false;
    h.jumping = false;
    h.refresh_injects();
  }
  h.post([hub = hub_] {
    std::lock_guard lock(hub->m);
    if (hub->turn) hub->to_seat(hub->turn->state, hub->turn_json());
  });
  for (;;) {
    h.serve_white_cell();
    std::unique_lock lock(h.m);
    auto wake = Clock::now() + std::chrono::milliseconds(200);
    const auto d = h.effective(h.turn->move, h.turn->deadline);
    if (d && *d < wake) wake = *d;
    h.cv.wait_until(lock, wake, [&] {
      return h.turn->action.has_value() || h.end_move || h.jumping || !h.white_requests.empty();
    });
    if (!h.white_requests.empty() && !h.turn->action && !h.end_move && !h.jumping) continue;
    if (h.turn->action) {
      wargame::ActionAnswer a = *h.turn->action;
      h.turn->action.reset();
      if (a.action.kind == det::ActionKind::done) h.turn.reset();
      return a;
    }
    const auto now = Clock::now();
    const auto until = h.effective(h.turn->move, h.turn->deadline);
    if (h.end_move || h.jumping || (until && *until <= now)) {
      wargame::ActionAnswer a;
      a.source = h.jumping ? wargame::DecisionSource::jump : wargame::DecisionSource::timeout;
      a.seconds = std::chrono::duration<double>(now - h.turn->shown).count();
      h.turn.reset();
      return a;
    }
    lock.unlock();
    check_interrupted();
  }
}

void ServerFrontEnd::notice(std::uint32_t state, const std::string& text) {
  hub_->post([hub = hub_, state, text] {
    json::Value n = json::object();
    n.set("type", "notice").set("seat", hub->name_of(state)).set("text", text);
    hub->to_seat(state, n);
  });
}

void ServerFrontEnd::published(const det::Publication& p) {
  static constexpr const char* outcomes[] = {"alone", "joint", "split", "unjoined", "blocked"};
  const Hub& h = *hub_;
  json::Value v = json::object();
  v.set("type", "published")
      .set("incident", p.incident)
      .set("day", p.day)
      .set("lead", h.name_of(p.lead))
      .set("named", h.sc.attackers.at(p.named).name)
      .set("rung", wargame::rung_word(p.rung))
      .set("outcome", p.statement < 5 ? outcomes[p.statement] : "alone");
  json::Value cosigners = json::array();
  for (const std::uint32_t s : p.cosigners) cosigners.push(h.name_of(s));
  json::Value separate = json::array();
  for (const std::uint32_t s : p.separate) separate.push(h.name_of(s));
  v.set("cosigners", std::move(cosigners)).set("separate", std::move(separate));
  v.set("evidence", p.evidence);
  v.set("likelihood", p.likelihood >= 0
                          ? json::Value(std::string(wargame::likelihood_word(p.likelihood)))
                          : json::Value(nullptr));
  hub_->post([hub = hub_, v = std::move(v)] {
    {
      std::lock_guard lock(hub->m);
      hub->public_record.push_back(v);
    }
    hub->to_all(v);
  });
}

void ServerFrontEnd::white_cell(wargame::WhiteCell& control) {
  std::lock_guard lock(hub_->m);
  hub_->control = &control;
  hub_->refresh_injects();
}

void ServerFrontEnd::review(const std::vector<wargame::Proposal>& proposals, std::uint32_t move) {
  Hub& h = *hub_;
  if (!h.settings.white_cell || !h.settings.adjudicate) return;  // accepted
  std::vector<json::Value> list;
  for (const wargame::Proposal& p : proposals) {
    const det::Adjudication& a = p.adjudication;
    json::Value v = json::object();
    v.set("type", "adjudication")
        .set("incident", a.incident)
        .set("move", move)
        .set("day", a.day)
        .set("lead", h.name_of(a.lead))
        .set("named", h.sc.attackers.at(a.named).name)
        .set("rung", wargame::rung_word(a.rung))
        .set("consent", det::to_string(a.consent))
        .set("proposed", wargame::outcome_word(a.proposed));
    json::Value options = json::array();
    options.push(wargame::outcome_word(a.proposed));
    options.push(wargame::outcome_word(a.proposed == det::statement_outcome::blocked
                                           ? a.unblocked
                                           : det::statement_outcome::blocked));
    json::Value reasons = json::array();
    for (const std::string& r : p.reasons) reasons.push(r);
    v.set("options", std::move(options)).set("reasons", std::move(reasons));
    v.set("overridden", nullptr);
    list.push_back(std::move(v));
  }
  {
    std::lock_guard lock(h.m);
    h.adjudications = std::move(list);
    h.reviewing = true;
    h.adjudicated = false;
    h.end_move = false;
    h.jumping = false;
  }
  // The white cell has until it says it is done (`adjudicated`), ends the move, jumps, or
  // leaves: a room whose white cell is not connected accepts the proposals at once.
  std::promise<bool> here;
  auto connected = here.get_future();
  h.post([hub = hub_, &here] {
    const bool on = hub->white_connections > 0;
    if (on) {
      std::lock_guard lock(hub->m);
      hub->to_white(hub->review_json());
    }
    here.set_value(on);
  });
  bool waiting = connected.get();
  while (waiting) {
    h.serve_white_cell();
    {
      std::unique_lock lock(h.m);
      h.cv.wait_for(lock, std::chrono::milliseconds(200), [&] {
        return h.adjudicated || h.end_move || h.jumping || !h.white_requests.empty();
      });
      if (h.adjudicated || h.end_move || h.jumping) waiting = !h.white_requests.empty();
    }
    if (!waiting) break;
    std::promise<bool> still;
    auto f = still.get_future();
    h.post([hub = hub_, &still] { still.set_value(hub->white_connections > 0); });
    waiting = f.get() || !h.white_requests.empty();
    check_interrupted();
  }
  h.serve_white_cell();
  std::lock_guard lock(h.m);
  h.reviewing = false;
  h.adjudications.clear();
}

void ServerFrontEnd::scheduled_act(const det::ScheduledEvent& e, std::size_t index, double day) {
  // An inject that went public, as a statement or sanctions are ("published"); a
  // disclosure names nobody, and a policy change is the state's own.
  if (e.action == det::ScheduledAction::policy) return;
  const Hub& h = *hub_;
  json::Value v = json::object();
  v.set("type", "published").set("inject", index).set("day", day).set("lead", h.name_of(e.state));
  v.set("named", e.target ? json::Value(h.sc.attackers.at(*e.target).name) : json::Value(nullptr));
  v.set("action", det::to_string(e.action));
  if (e.action != det::ScheduledAction::disclose) {
    const auto rung = e.action == det::ScheduledAction::sanction     ? det::Rung::sanction
                      : e.action == det::ScheduledAction::coordinate ? det::Rung::coordinate
                                                                     : det::Rung::attribute;
    v.set("rung", wargame::rung_word(rung));
    v.set("outcome", e.signers.empty() && e.separate.empty() ? "alone"
                     : e.separate.empty()                    ? "joint"
                                                             : "split");
    json::Value cosigners = json::array();
    for (const std::size_t s : e.signers) cosigners.push(h.name_of(s));
    json::Value separate = json::array();
    for (const std::size_t s : e.separate) separate.push(h.name_of(s));
    v.set("cosigners", std::move(cosigners)).set("separate", std::move(separate));
    v.set("evidence", e.evidence).set("likelihood", nullptr);
  }
  hub_->post([hub = hub_, v = std::move(v)] {
    {
      std::lock_guard lock(hub->m);
      hub->public_record.push_back(v);
    }
    hub->to_all(v);
  });
}

void ServerFrontEnd::finish(const std::string& summary, const std::string& output,
                            const std::vector<wargame::Decision>& decisions,
                            const wargame::PlayedRun& session, const wargame::PlayedRun& doctrine) {
  json::Value hotwash = hub_->hotwash_json(decisions, session, doctrine);
  hub_->post([hub = hub_, summary, output, hotwash = std::move(hotwash)] {
    json::Value end = json::object();
    end.set("type", "end").set("session", output).set("summary", summary).set("hotwash", hotwash);
    hub->to_all(end);
    for (const auto& c : std::vector(hub->connections.begin(), hub->connections.end())) {
      c->close();
    }
  });
  // Give the connections a moment to receive the end before the server stops.
  for (int i = 0; i < 50; ++i) {
    std::promise<bool> idle;
    auto f = idle.get_future();
    hub_->post([hub = hub_, &idle] { idle.set_value(hub->connections.empty()); });
    if (f.get()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace cyberdeter::app
