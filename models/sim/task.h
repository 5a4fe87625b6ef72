#pragma once
// Coroutines for the host CPU: kernel-like code reads top to bottom, and each
// `co_await sleep_until(...)` hands control back to the dispatcher, so a long
// operation (a harvest over 1 TiB) becomes many small atomic steps in simulated time.
#include <coroutine>
#include <cstdint>
#include <exception>
#include <functional>
#include <optional>
#include <utility>

#include "models/sim/dispatcher.h"

namespace sim {

namespace detail {
struct PromiseBase {
  std::coroutine_handle<> continuation = std::noop_coroutine();
  std::exception_ptr error;
  std::suspend_always initial_suspend() noexcept { return {}; }
  struct Final {
    bool await_ready() noexcept { return false; }
    template <class P>
    std::coroutine_handle<> await_suspend(std::coroutine_handle<P> h) noexcept {
      return h.promise().continuation;
    }
    void await_resume() noexcept {}
  };
  Final final_suspend() noexcept { return {}; }
  void unhandled_exception() { error = std::current_exception(); }
};

template <class T>
struct Promise : PromiseBase {
  std::optional<T> value;
  void return_value(T v) { value = std::move(v); }
  T take() {
    if (error) std::rethrow_exception(error);
    return std::move(*value);
  }
};
template <>
struct Promise<void> : PromiseBase {
  void return_void() {}
  void take() {
    if (error) std::rethrow_exception(error);
  }
};
}  // namespace detail

// A lazily started coroutine returning T; awaiting it runs it to completion.
template <class T = void>
class [[nodiscard]] Task {
 public:
  struct promise_type : detail::Promise<T> {
    Task get_return_object() {
      return Task(std::coroutine_handle<promise_type>::from_promise(*this));
    }
  };
  Task(Task&& o) noexcept : h_(std::exchange(o.h_, {})) {}
  Task& operator=(Task&& o) noexcept {
    if (this != &o) {
      if (h_) h_.destroy();
      h_ = std::exchange(o.h_, {});
    }
    return *this;
  }
  ~Task() {
    if (h_) h_.destroy();
  }

  bool await_ready() const noexcept { return false; }
  std::coroutine_handle<> await_suspend(std::coroutine_handle<> cont) noexcept {
    h_.promise().continuation = cont;
    return h_;
  }
  T await_resume() { return h_.promise().take(); }

 private:
  explicit Task(std::coroutine_handle<promise_type> h) : h_(h) {}
  std::coroutine_handle<promise_type> h_;
};

// Resumes a suspended coroutine from a dispatcher event (arg = its handle address).
class ResumeTarget final : public EventTarget {
 public:
  void on_event(Ps, uint64_t arg) override {
    std::coroutine_handle<>::from_address(reinterpret_cast<void*>(arg)).resume();
  }
  static ResumeTarget& instance() {
    static ResumeTarget t;
    return t;
  }
};

// Suspends until `time` (never earlier than now), ordered by `rank` among same-time events.
struct SleepUntil {
  Dispatcher& dispatcher;
  Ps time;
  Rank rank;
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<> h) {
    Ps t = time < dispatcher.now() ? dispatcher.now() : time;
    dispatcher.schedule(t, rank, &ResumeTarget::instance(),
                        reinterpret_cast<uint64_t>(h.address()));
  }
  void await_resume() const noexcept {}
};

// Owns a top-level Task run from the dispatcher: started explicitly, destroyed with
// the owner even if still suspended (a step still running at the end of a run).
class Fiber {
 public:
  Fiber() = default;
  Fiber(Fiber&& o) noexcept : h_(std::exchange(o.h_, {})) {}
  Fiber& operator=(Fiber&& o) noexcept {
    if (this != &o) {
      reset();
      h_ = std::exchange(o.h_, {});
    }
    return *this;
  }
  ~Fiber() { reset(); }

  // Runs `task` until its first suspension; `done` is called when it finishes
  // (with the exception it threw, if any).
  static Fiber start(Task<> task, std::function<void(std::exception_ptr)> done) {
    Fiber f = body(std::move(task), std::move(done));
    f.h_.resume();
    return f;
  }
  bool done() const { return !h_ || h_.done(); }

  struct promise_type {
    Fiber get_return_object() {
      return Fiber(std::coroutine_handle<promise_type>::from_promise(*this));
    }
    std::suspend_always initial_suspend() noexcept { return {}; }
    std::suspend_always final_suspend() noexcept { return {}; }
    void return_void() {}
    void unhandled_exception() { std::terminate(); }
  };

 private:
  explicit Fiber(std::coroutine_handle<promise_type> h) : h_(h) {}
  static Fiber body(Task<> task, std::function<void(std::exception_ptr)> done) {
    std::exception_ptr error;
    try {
      co_await task;
    } catch (...) {
      error = std::current_exception();
    }
    done(error);
  }
  void reset() {
    if (h_) h_.destroy();
    h_ = {};
  }
  std::coroutine_handle<promise_type> h_;
};

}  // namespace sim
