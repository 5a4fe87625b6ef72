#pragma once
// An output file with a size limit (a trace): past `limit` bytes it keeps what it
// has, drops the rest and calls `on_full` once, so a run that would write without
// bound stops with a clear message instead of filling the disk.
#include <cstdint>
#include <fstream>
#include <functional>
#include <ostream>
#include <string>

namespace sim::cli {

class CappedFileBuf : public std::streambuf {
 public:
  CappedFileBuf(const std::string& path, uint64_t limit, std::function<void()> on_full)
      : limit_(limit), on_full_(std::move(on_full)) {
    file_.open(path, std::ios::out | std::ios::binary | std::ios::trunc);
  }
  bool is_open() const { return file_.is_open(); }
  bool full() const { return full_; }

 protected:
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    if (full_) return n;
    if (written_ + uint64_t(n) > limit_) {
      full_ = true;
      on_full_();
      return n;
    }
    written_ += uint64_t(n);
    return file_.sputn(s, n);
  }
  int_type overflow(int_type c) override {
    if (traits_type::eq_int_type(c, traits_type::eof())) return traits_type::not_eof(c);
    const char ch = traits_type::to_char_type(c);
    xsputn(&ch, 1);
    return c;
  }
  int sync() override { return file_.pubsync(); }

 private:
  std::filebuf file_;
  uint64_t limit_, written_ = 0;
  bool full_ = false;
  std::function<void()> on_full_;
};

}  // namespace sim::cli
